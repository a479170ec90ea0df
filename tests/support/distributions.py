"""Installed distributions laid out by hand, for plugin discovery tests."""
import shutil
import textwrap
from pathlib import Path

#: Plugin packages the tests install (see its README.md).
PACKAGES = Path(__file__).parent / "plugins"


def install_distribution(folder, name, module_source, version="0.1.0"):
    """Lay out an installed distribution (dist-info + module) the way pip would, on sys.path."""
    module = name.replace("-", "_")
    (folder / f"{module}.py").write_text(textwrap.dedent(module_source))
    return _dist_info(folder, name, module, version), module


def install_package(folder, name, version="0.1.0"):
    """Install the package of :data:`PACKAGES` named after distribution ``name`` (with its
    data files) into ``folder``, the way pip would."""
    module = name.replace("-", "_")
    shutil.copytree(PACKAGES / module, folder / module,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return _dist_info(folder, name, module, version), module


def _dist_info(folder, name, module, version) -> str:
    """The distribution's metadata, its ``caas`` entry point among them; returns its name."""
    dist_info = folder / f"{module}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    entry = name.removeprefix("caas-")
    (dist_info / "entry_points.txt").write_text(f"[caas]\n{entry} = {module}\n")
    return entry
