"""The country tutorial, followed to the letter: its shell commands run in order and its
whole files are written where it says, in an empty folder beside the checkout, from the
scaffold to a demo sale that ends with a plate of the new country.

The tutorial's country speaks a language the core has no catalog for, so this also proves
that a new country and a new language need nothing outside the plugin's folder, and that
the core's own tests of languages and texts still pass with them installed. The folder
gets an environment like the one ``make install`` makes (the platform and the bundled
plugins, plus whatever the tutorial installs) without touching the checkout's.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import site
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

# Same on every backend (the tutorial's commands run on their own embedded default):
# the PostgreSQL run leaves it to SQLite's.
pytestmark = pytest.mark.same_on_every_backend

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "docs" / "plugins" / "tutorial-country.md"
#: A fenced block: its info string (``sh``, or ``python file=<path>``) and its text.
BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.S | re.M)
ACTIVATE = ". .venv/bin/activate"
#: The core's tests that read every language and country installed.
LANGUAGE_TESTS = ("tests/unit", "tests/integration/test_every_text_in_every_locale.py",
                  "tests/e2e/test_languages.py", "tests/integration/test_option_plugins.py")


def tutorial_steps(text: str):
    """``("run", command)`` for each line of the ``sh`` blocks, ``("write", path, text)`` for
    each block whose info string names a ``file=``, in the tutorial's order."""
    for info, body in BLOCK.findall(text):
        words = info.split()
        target = next((word[5:] for word in words if word.startswith("file=")), None)
        if target:
            yield ("write", target, body)
        elif words[:1] == ["sh"]:
            for command in body.replace("\\\n", " ").splitlines():
                command = command.split(" #", 1)[0].strip()
                if command and not command.startswith("#"):
                    yield ("run", command)


@pytest.fixture
def workspace(tmp_path):
    """An empty folder with ``.venv``: a virtual environment that sees the checkout's (the
    platform and its bundled plugins) and installs into its own site-packages."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / ".venv")], check=True)
    venv = tmp_path / ".venv"
    packages = next((venv / "lib").glob("python3*/site-packages"))
    shared = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (packages / "caas_checkout.pth").write_text(
        "".join(f"import site; site.addsitedir({path!r})\n" for path in shared))
    # The console script `make install` would put there, for this environment's Python.
    script = venv / "bin" / "caas"
    script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\n"
                      "from caas.entrypoints.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    return tmp_path


def _environment(workspace: Path, port: int) -> dict:
    """A shell's environment without the test run's settings (the tutorial runs on the
    defaults), not yet activated."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CAAS_", "PYTEST_", "VIRTUAL_ENV"))}
    env.update(PORT=str(port), PYTHONDONTWRITEBYTECODE="1")
    return env


def _activated(env: dict, workspace: Path) -> dict:
    venv = workspace / ".venv"
    return {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the platform stopped: {server.stdout.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the platform did not answer /healthz in time")


def _checkout_state() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout


def test_the_country_tutorial_ends_with_a_registered_vehicle(workspace, capsys):
    steps = list(tutorial_steps(TUTORIAL.read_text(encoding="utf-8")))
    assert any(step[0] == "write" for step in steps) and any(step[0] == "run" for step in steps)
    port = _free_port()
    env = _environment(workspace, port)
    checkout_before = _checkout_state()
    background, outputs, timings = [], [], []
    started = time.monotonic()
    try:
        for step in steps:
            if step[0] == "write":
                target = workspace / step[1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(step[2], encoding="utf-8")
                continue
            command = step[1]
            if command == ACTIVATE:
                env = _activated(env, workspace)
                continue
            began = time.monotonic()
            if command.endswith("&"):
                server = subprocess.Popen(shlex.split(command[:-1]), cwd=workspace, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, start_new_session=True)
                background.append(server)
                _wait_until_serving(port, server)
            else:
                done = subprocess.run(["bash", "-c", command], cwd=workspace, env=env,
                                      capture_output=True, text=True, timeout=600)
                outputs.append(done.stdout)
                assert done.returncode == 0, (
                    f"`{command}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
            timings.append((time.monotonic() - began, command))
    finally:
        for server in background:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    elapsed = time.monotonic() - started

    sale = outputs[-1]
    plate = re.search(r"plate (\S+)", sale)
    assert "The sale is done" in sale and plate, sale
    assert re.fullmatch(r"[BDFGHJKLNPRSTVXZ]{2}-[0-9]{3}-[BDFGHJKLNPRSTVXZ]", plate.group(1))
    # The author touched nothing outside the plugin's folder (and the platform's data).
    assert {path.name for path in workspace.iterdir()} <= {".venv", "plugins", "instance"}
    assert [path.relative_to(workspace).as_posix() for path in
            (workspace / "plugins").glob("*/*")] == ["plugins/countries/nl"]
    # The new country and language, installed, change none of the core's tests' results.
    core = subprocess.run(["python", "-m", "pytest", "-q", "-p", "no:xdist", *LANGUAGE_TESTS],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert core.returncode == 0, core.stdout[-3000:] + core.stderr[-3000:]
    assert " passed" in core.stdout and " skipped" not in core.stdout.splitlines()[-1], core.stdout
    assert _checkout_state() == checkout_before
    with capsys.disabled():
        print(f"\ntutorial: {len(timings)} commands in {elapsed:.1f} s; slowest: "
              + ", ".join(f"{seconds:.1f} s {command.split()[0:3]}"
                          for seconds, command in sorted(timings, reverse=True)[:3]))
