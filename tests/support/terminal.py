"""Commands run as a person runs them: in a pseudo-terminal, or with their output piped."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

#: The ``caas`` script installed next to this interpreter.
CAAS = str(Path(sys.executable).with_name("caas"))


def environment(config: dict, drop: tuple[str, ...] = ()) -> dict:
    """This process's environment without its ``CAAS_*``, then ``config`` as strings (as the
    ``cli`` fixture spells them: ``None`` is ``off``) less the variables in ``drop``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CAAS_")}
    env.update({key: "off" if value is None else str(value) for key, value in config.items()
                if key not in drop})
    return env


def run(args: list[str], env: dict, *, terminal: bool, timeout: float = 120) -> tuple[int, str]:
    """``(exit code, what it wrote to stdout and stderr)``, with both on a pseudo-terminal
    when ``terminal``, else on one pipe."""
    if not terminal:
        done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
        return done.returncode, done.stdout.decode()
    parent, child = pty.openpty()
    process = subprocess.Popen(args, env=env, stdin=child, stdout=child, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal closed with the last process on it
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    return process.wait(timeout=timeout), b"".join(chunks).decode().replace("\r\n", "\n")
