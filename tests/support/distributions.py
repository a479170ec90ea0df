"""Installed distributions laid out by hand, for plugin discovery tests."""
import textwrap


def install_distribution(folder, name, module_source, version="0.1.0"):
    """Lay out an installed distribution (dist-info + module) the way pip would, on sys.path."""
    module = name.replace("-", "_")
    dist_info = folder / f"{module}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    entry = name.removeprefix("caas-")
    (dist_info / "entry_points.txt").write_text(f"[caas]\n{entry} = {module}\n")
    (folder / f"{module}.py").write_text(textwrap.dedent(module_source))
    return entry, module
