"""Every hook in ``caas.hookspecs`` has a section in docs/plugins/hooks.md, and no other."""
import inspect
import re
from pathlib import Path

import pytest

from caas import hookspecs

HOOKS_DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "hooks.md"
HEADING = re.compile(r"^## (\w+)\((.*)\)\s*$", re.MULTILINE)


def _specs() -> dict:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "caas_spec")
    }


def _documented() -> list[tuple[str, list[str]]]:
    text = HOOKS_DOC.read_text(encoding="utf-8")
    return [
        (name, [arg.strip() for arg in args.split(",") if arg.strip()])
        for name, args in HEADING.findall(text)
    ]


SPECS = _specs()
DOCUMENTED = _documented()


def test_hookspecs_are_found():
    assert "register_countries" in SPECS and "tenant_created" in SPECS


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_documented(name):
    assert name in dict(DOCUMENTED), f"docs/plugins/hooks.md has no '## {name}(' section"


@pytest.mark.parametrize("name, args", DOCUMENTED, ids=[name for name, _ in DOCUMENTED])
def test_documented_hook_exists_with_the_spec_signature(name, args):
    assert name in SPECS, f"docs/plugins/hooks.md documents '{name}', which is not a hook"
    assert args == list(inspect.signature(SPECS[name]).parameters), (
        f"documented signature of {name} differs from caas.hookspecs")


def test_each_hook_is_documented_once():
    names = [name for name, _ in DOCUMENTED]
    assert len(names) == len(set(names))


def _sections() -> dict[str, str]:
    text = HOOKS_DOC.read_text(encoding="utf-8")
    starts = [(match.group(1), match.start()) for match in HEADING.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {name: text[start:end] for (name, start), end in zip(starts, ends)}


SECTIONS = _sections()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_section_is_complete(name):
    """Arguments, return, when it is called, an example implementing it, who uses it."""
    section = SECTIONS.get(name, "")
    for part in ("**Arguments:**", "**Returns:**", "**Called:**", "**Used by:**"):
        assert part in section, f"hooks.md: the {name} section has no {part}"
    examples = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert any("@hookimpl" in example and f"def {name}(" in example for example in examples), (
        f"hooks.md: the {name} section has no example implementing it")
    for argument in inspect.signature(SPECS[name]).parameters:
        assert f"`{argument}`" in section, f"hooks.md: {name} does not describe `{argument}`"


def test_every_guide_page_is_linked_from_the_index():
    index = (HOOKS_DOC.parent / "index.md").read_text(encoding="utf-8")
    for page in HOOKS_DOC.parent.glob("*.md"):
        if page.name != "index.md":
            assert f"({page.name})" in index, f"docs/plugins/index.md does not link {page.name}"
