"""The core is distributed as ``caas-platform``: ``caas`` on the public index is an unrelated
project, so a plugin requiring ``caas`` would install that one next to (or instead of) ours."""
import importlib.metadata
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

import caas
from caas.entrypoints.cli import main
from tests.support.repo import REPO

CORE = "caas-platform"
BUNDLED = sorted((REPO / "plugins").glob("*/*/pyproject.toml"))


def core_requirements(pyproject: Path) -> list[Requirement]:
    """The requirements of ``pyproject`` on the core, under either name."""
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return [requirement for requirement in map(Requirement, dependencies)
            if requirement.name in ("caas", CORE)]


def test_the_core_is_installed_as_caas_platform_and_imported_as_caas():
    distribution = importlib.metadata.distribution(CORE)
    assert distribution.version == caas.__version__
    assert "caas" in importlib.metadata.packages_distributions()
    assert CORE in importlib.metadata.packages_distributions()["caas"]


@pytest.mark.parametrize("pyproject", BUNDLED, ids=[path.parent.name for path in BUNDLED])
def test_every_bundled_plugin_requires_caas_platform(pyproject):
    requirements = core_requirements(pyproject)
    assert [requirement.name for requirement in requirements] == [CORE]
    assert requirements[0].specifier.contains(caas.__version__)


@pytest.mark.parametrize("kind, name", [("country", "AT"), ("option", "seat_massage")])
def test_a_generated_plugin_requires_caas_platform(tmp_path, kind, name):
    folder = tmp_path / "plugin"
    result = CliRunner().invoke(main, ["plugins", "new", kind, name, "--output", str(folder)])
    assert result.exit_code == 0, result.output
    requirements = core_requirements(folder / "pyproject.toml")
    assert [str(requirement) for requirement in requirements] == [f"{CORE}>={caas.__version__}"]
