"""What the OTA benchmark runs beside itself: processes, databases and brokers, all cleaned up.

* :class:`Process`: a command in a process group of its own (``kill -9`` takes the
  whole dramatiq tree), its output in a log file of the run's temp folder.
* :func:`database`: SQLite files in the temp instance folder, or a throwaway
  control and tenant database on PostgreSQL (random suffix, dropped at the end).
* :func:`redis_broker` and :func:`rabbitmq_broker`: an empty Redis database
  (flushed at the end), a RabbitMQ virtual host of the run's own (deleted at the end).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psutil

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Databases the tests (15) and a developer's default (0) use are left alone.
REDIS_DATABASES = range(8, 15)
REDIS_LOCK_KEY = "caas-otabench:owner"
AMQP = "amqp://guest:guest@127.0.0.1:5672"
# The queues of the platform's actors, with dramatiq's delay and dead-letter queues.
QUEUES = ("outbox", "ota")
ALL_QUEUES = tuple(q + suffix for q in QUEUES for suffix in ("", ".DQ", ".XQ"))


# --- processes ----------------------------------------------------------------------


class Process:
    """A command run in a new session, so that its whole tree is one process group."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path,
                 cwd: Path | None = None):
        self.name, self.args, self.env, self.cwd = name, args, env, cwd
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> "Process":
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts}: {' '.join(self.args)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def group(self) -> list[psutil.Process]:
        """Every live process of the group (the leader may have exited before its children)."""
        if self.popen is None:
            return []
        members = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(proc.pid) == self.popen.pid:
                    members.append(proc)
            except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
                continue
        return members

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.group():
            try:
                times = proc.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
            except psutil.NoSuchProcess:
                pass
        return total

    def kill(self) -> int:
        """``kill -9`` the whole process group; returns how many processes it held."""
        members = len(self.group())
        self._signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait()
        self._wait_group_gone(10)
        return members

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the group, then SIGKILL what is left after ``timeout``."""
        if self.popen is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        if not self._wait_group_gone(max(1.0, timeout / 3)):
            self._signal_group(signal.SIGKILL)
            self._wait_group_gone(10)
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)  # our own session only
        except (ProcessLookupError, PermissionError):
            pass

    def _wait_group_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.group():
                return True
            time.sleep(0.05)
        return False

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 25) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if not self.running():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode} before "
                                   f"{what}; {self.log_path}:\n{self.tail()}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name}: not {what} after {timeout:.0f}s; "
                           f"{self.log_path}:\n{self.tail()}")


class Workers(Process):
    """dramatiq worker processes (``caas worker``, or ``dramatiq ota_noop`` for the baseline)."""

    READY = "ready for action"

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path,
                 processes: int, cwd: Path | None = None):
        super().__init__(name, args, env, log_dir, cwd)
        self.processes = processes

    def start_and_wait(self, timeout: float = 90.0) -> "Workers":
        """Start and wait until every worker process said it is ready (consuming)."""
        before = self.log_text().count(self.READY)
        self.start()
        self.wait_for(lambda: self.log_text().count(self.READY) - before >= self.processes,
                      f"{self.processes} worker processes ready", timeout)
        return self


@dataclass(frozen=True)
class WorkerSettings:
    """Identical for the platform's workers and the no-op baseline's."""

    processes: int = 2
    threads: int = 8

    def platform_args(self) -> list[str]:
        return [str(VENV_BIN / "caas"), "worker", "--processes", str(self.processes),
                "--threads", str(self.threads)]

    def noop_args(self) -> list[str]:
        return [sys.executable, "-m", "dramatiq", "ota_noop", "--path", str(BENCH_DIR),
                "--processes", str(self.processes), "--threads", str(self.threads)]


def caas(*args: str) -> list[str]:
    return [str(VENV_BIN / "caas"), *args]


def run_caas(env: dict[str, str], *args: str, timeout: float = 120.0) -> str:
    """A one-shot ``caas`` command (e.g. ``ota sweep``); its output, or RuntimeError."""
    done = subprocess.run(caas(*args), env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"caas {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout.strip()


# --- databases ------------------------------------------------------------------------


@dataclass
class Database:
    name: str  # sqlite | postgresql
    env: dict[str, str]
    notes: list[str] = field(default_factory=list)
    cpu: Callable[[], float] | None = None  # the server's CPU seconds, when local


@contextmanager
def database(kind: str, instance: Path, suffix: str) -> Iterator[Database]:
    if kind == "sqlite":
        yield Database("sqlite", {"CAAS_INSTANCE_PATH": str(instance)},
                       ["SQLite: control.db + tenants/<slug>.db in the temp instance folder "
                        "(WAL, busy_timeout 10 s)"])
        return
    import psycopg
    control = f"caas_otabench_{suffix}"
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc}); "
                         "run with --database sqlite")
    with admin:
        admin.execute(f'CREATE DATABASE "{control}"')
    env = {"CAAS_INSTANCE_PATH": str(instance),
           "CAAS_DATABASE_URL": f"{PG_SERVER}/{control}",
           "CAAS_TENANT_DATABASE_URL": f"{PG_SERVER}/{{db}}"}
    try:
        yield Database("postgresql", env,
                       [f"PostgreSQL 127.0.0.1:5432: control database {control}, tenant "
                        f"databases caas_tenant_otabench_{suffix}_*, dropped at the end"],
                       _postgres_cpu_meter())
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            names = [row[0] for row in admin.execute(
                "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
                (control, f"caas_tenant_otabench_{suffix}%"))]
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"  [cleanup] dropped {len(names)} PostgreSQL databases", flush=True)


def _postgres_cpu_meter() -> Callable[[], float] | None:
    postmaster = next((p for p in psutil.process_iter(["name"])
                       if p.info["name"] == "postgres" and p.parent() is not None
                       and p.parent().name() != "postgres"), None)
    return _tree_cpu(postmaster) if postmaster else None


def _tree_cpu(root: psutil.Process) -> Callable[[], float]:
    def seconds() -> float:
        times = root.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in root.children():
            try:
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
            except psutil.NoSuchProcess:
                pass
        return total
    return seconds


def local_server_cpu(name: str) -> Callable[[], float] | None:
    """CPU seconds of a local server process by name (redis-server, beam.smp), if found."""
    found = next((p for p in psutil.process_iter(["name"]) if p.info["name"] == name), None)
    return _tree_cpu(found) if found else None


# --- brokers ----------------------------------------------------------------------------


@dataclass
class Broker:
    kind: str  # redis | rabbitmq
    url: str
    notes: list[str] = field(default_factory=list)
    cpu: Callable[[], float] | None = None

    def pending(self) -> dict[str, int]:
        """Messages still held by the broker, per queue (ready, delayed, dead-lettered)."""
        return (_redis_pending(self.url) if self.kind == "redis"
                else _rabbitmq_pending(self.url))

    def messages(self) -> list[dict]:
        """Every message the broker holds for the platform's queues, read without taking it."""
        return (_redis_messages(self.url) if self.kind == "redis"
                else _rabbitmq_messages(self.url))

    def unacknowledged(self, queue: str) -> int:
        """Messages of ``queue`` not yet acknowledged (Redis only: cheap to poll)."""
        import redis
        client = redis.Redis.from_url(self.url)
        try:
            return client.hlen(f"dramatiq:{queue}.msgs") + client.hlen(f"dramatiq:{queue}.DQ.msgs")
        finally:
            client.close()


@contextmanager
def redis_broker(suffix: str) -> Iterator[Broker]:
    """The first empty database among 8..14, claimed with a lock key and flushed afterwards."""
    import redis
    chosen = None
    for number in REDIS_DATABASES:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        try:
            if client.dbsize() == 0 and client.set(REDIS_LOCK_KEY, suffix, nx=True):
                chosen = number
                break
        except redis.ConnectionError as exc:
            raise SystemExit(f"Redis at {REDIS_HOST}:{REDIS_PORT} is not reachable ({exc})")
        finally:
            client.close()
    if chosen is None:
        raise SystemExit(f"no empty Redis database among {REDIS_DATABASES.start}.."
                         f"{REDIS_DATABASES.stop - 1}: another bench running?")
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{chosen}"
    try:
        yield Broker("redis", url, [f"Redis {url} (empty at start, flushed at the end)"],
                     local_server_cpu("redis-server"))
    finally:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=chosen)
        if client.get(REDIS_LOCK_KEY) == suffix.encode():
            client.flushdb()
        client.close()


def _redis_pending(url: str) -> dict[str, int]:
    import redis
    client = redis.Redis.from_url(url)
    try:
        counts = {}
        for queue in ALL_QUEUES:
            key = f"dramatiq:{queue}"
            counts[queue] = client.hlen(f"{key}.msgs") + (
                client.zcard(key) if queue.endswith(".XQ") else 0)
        return counts
    finally:
        client.close()


def _decoded(queue: str, raw: bytes) -> dict:
    from dramatiq import Message
    message = Message.decode(raw)
    return {"queue": queue, "actor": message.actor_name, "args": list(message.args),
            "tenant": message.options.get("tenant")}


def _redis_messages(url: str) -> list[dict]:
    import redis
    client = redis.Redis.from_url(url)
    try:
        return [_decoded(queue, raw) for queue in ALL_QUEUES
                for raw in client.hgetall(f"dramatiq:{queue}.msgs").values()]
    finally:
        client.close()


def _rabbitmq_messages(url: str) -> list[dict]:
    """Fetched unacknowledged, then handed back when the connection closes."""
    import pika
    _quiet_pika()
    found = []
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        for queue in ALL_QUEUES:
            channel = connection.channel()
            try:
                while True:
                    method, _, body = channel.basic_get(queue, auto_ack=False)
                    if method is None:
                        break
                    found.append(_decoded(queue, body))
            except pika.exceptions.ChannelClosedByBroker:
                pass  # never declared
    finally:
        connection.close()
    return found


@contextmanager
def rabbitmq_broker(suffix: str) -> Iterator[Broker]:
    """A virtual host of the run's own (``rabbitmqctl``), deleted afterwards.

    Without ``rabbitmqctl`` (or the right to use it) the default vhost ``/`` is
    used, and the run refuses to start if the platform's queues hold messages.
    """
    vhost = f"caas-otabench-{suffix}"
    created = _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl(
        "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    if created:
        url, notes = f"{AMQP}/{vhost}", [f"RabbitMQ vhost {vhost} (created for the run, deleted "
                                         "at the end)"]
    else:
        url, notes = f"{AMQP}/%2F", ["RabbitMQ default vhost / (rabbitmqctl unavailable)"]
        busy = {q: n for q, n in _rabbitmq_pending(url).items() if n}
        if busy:
            raise SystemExit(f"RabbitMQ queues of vhost / hold messages {busy}: refusing to mix")
    try:
        _rabbitmq_pending(url)  # reachable?
    except Exception as exc:
        if created:
            _rabbitmqctl("delete_vhost", vhost)
        raise SystemExit(f"RabbitMQ at {AMQP} is not reachable ({exc})")
    try:
        yield Broker("rabbitmq", url, notes, local_server_cpu("beam.smp"))
    finally:
        if created:
            _rabbitmqctl("delete_vhost", vhost)


def _rabbitmqctl(*args: str) -> bool:
    try:
        return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _quiet_pika():
    import logging
    # A passive declare of a queue never declared is answered 404: expected, not a warning.
    logging.getLogger("pika").setLevel(logging.CRITICAL)


def _rabbitmq_pending(url: str) -> dict[str, int]:
    """Ready messages per queue (a passive declare; a queue never declared holds none)."""
    import pika
    _quiet_pika()
    counts = {}
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        for queue in ALL_QUEUES:
            channel = connection.channel()
            try:
                counts[queue] = channel.queue_declare(queue, passive=True).method.message_count
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                counts[queue] = 0  # 404: not declared
    finally:
        connection.close()
    return counts


def random_suffix() -> str:
    return os.urandom(3).hex()

