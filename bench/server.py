"""Gunicorn under bench: started on a free local port, watched with psutil, stopped cleanly."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from client import Client

BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class GunicornSettings:
    """Identical for the bare app and the platform, so only the app differs between them."""

    workers: int = 2
    worker_class: str = "gthread"
    # One thread per worker: on a small box the GIL makes extra threads useless for
    # CPU-bound views, and it keeps each tenant engine at one PostgreSQL connection.
    # gthread rather than sync only for HTTP keep-alive (sync closes after every
    # response, and the Python load generator would mostly measure TCP handshakes).
    threads: int = 1
    keep_alive: int = 5

    def describe(self) -> dict:
        return asdict(self)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``with Gunicorn("bare_app", env, settings, log_file) as server:`` serves ``bare_app:app``.

    The app's own stdout/stderr (where the platform writes its INFO JSON logs) go
    to /dev/null; gunicorn's error log goes to ``log_file`` for diagnosis.
    """

    BOOT_TIMEOUT = 60.0

    def __init__(self, module: str, env: dict[str, str], settings: GunicornSettings,
                 log_file: Path):
        self.module = module
        self.env = env
        self.settings = settings
        self.log_file = log_file
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        s = self.settings
        command = [sys.executable, "-m", "gunicorn", "--chdir", str(BENCH_DIR),
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(s.workers),
                   "--worker-class", s.worker_class, "--threads", str(s.threads),
                   "--keep-alive", str(s.keep_alive), "--error-logfile", str(self.log_file),
                   f"{self.module}:app"]
        self.process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait_until_serving()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + self.BOOT_TIMEOUT
        client = Client(self.port, timeout=2.0)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see "
                                   f"{self.log_file}:\n{self._log_tail()}")
            try:
                if len(self.workers()) == self.settings.workers and \
                        client.get("/healthz", {})[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn not serving after {self.BOOT_TIMEOUT}s:\n{self._log_tail()}")

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def worker_pids(self) -> set[int]:
        return {worker.pid for worker in self.workers()}

    def rss_bytes(self) -> int:
        """Resident memory of all workers (the master holds no app state)."""
        return sum(worker.memory_info().rss for worker in self.workers())

    def cpu_seconds(self) -> float:
        return sum(sum(worker.cpu_times()[:2]) for worker in self.workers())

    def __exit__(self, *exc_info) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own session only
            self.process.wait()
