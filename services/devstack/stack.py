"""The local stack: broker, PostgreSQL and the three services, started and stopped by PID.

Used by ``lead stack``, ``lead demo`` and the end-to-end tests. An externally provided broker or
database (``LEAD_KAFKA_BOOTSTRAP`` / ``LEAD_DATABASE_URL``) is used instead of starting one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import httpx

from events.topic_catalog import topic_catalog
from services.devstack.localinfra import LocalBroker, LocalPostgres
from services.platform.kafka import kafka_client_options
from services.platform.settings import SERVICE_PORTS, Settings
from services.platform.topics import create_missing_topics, deployment_topics, prosecutor_codes

_READY_TIMEOUT_S = 60.0


def all_topics(prosecutors: tuple[str, ...] | None = None) -> list[str]:
    """Every topic the system uses (``events.topic_catalog``), with the dead-letter queues of
    consumed topics; notices topics for the program's prosecutors unless others are named."""
    codes = prosecutor_codes() if prosecutors is None else prosecutors
    return [topic.name for topic in topic_catalog(codes)]


@dataclass
class LocalStack:
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    extra_env: dict[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = ("intake", "abeyance", "reporting")
    _broker: LocalBroker | None = None
    _postgres: LocalPostgres | None = None
    _processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lead-stack-")))
    kafka_bootstrap: str = ""
    database_url: str = ""

    def start(self) -> Self:
        try:
            self._start_infrastructure()
            self._create_topics()
            for name in self.services:
                self._start_service(name)
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_infrastructure(self) -> None:
        self.kafka_bootstrap = self.kafka_bootstrap or os.environ.get("LEAD_KAFKA_BOOTSTRAP", "")
        self.database_url = self.database_url or os.environ.get("LEAD_DATABASE_URL", "")
        if not self.kafka_bootstrap:
            self._broker = LocalBroker().start()
            self.kafka_bootstrap = self._broker.bootstrap
        if not self.database_url:
            self._postgres = LocalPostgres().start()
            self.database_url = self._postgres.dsn()

    def _create_topics(self) -> None:
        options = kafka_client_options(Settings(kafka_bootstrap=self.kafka_bootstrap))
        asyncio.run(create_missing_topics(options, deployment_topics(), replication_factor=1))

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "LEAD_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "LEAD_DATABASE_URL": self.database_url,
            **self.extra_env,
        }

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def log_path(self, service: str) -> Path:
        return self._logdir / f"{service}.log"

    def _start_service(self, name: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "services.cli", "serve", name]
        command += ["--port", str(self.ports[name])]
        with self.log_path(name).open("ab") as log:
            self._processes[name] = subprocess.Popen(
                command,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_service(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start one service again (after it stopped or was killed), with extra environment."""
        if self.running(name):
            raise RuntimeError(f"{name} is running")
        self._start_service(name, env)

    def running(self, name: str) -> bool:
        process = self._processes.get(name)
        return process is not None and process.poll() is None

    def pid(self, name: str) -> int | None:
        process = self._processes.get(name)
        return process.pid if process is not None else None

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        pending = set(self._processes)
        while pending:
            for name in sorted(pending):
                if self._processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited at start:\n{self.tail(name)}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.url(name)}/ready", timeout=2).status_code == 200:
                        pending.discard(name)
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready in time: {sorted(pending)}")
            time.sleep(0.2)

    def tail(self, name: str, lines: int = 40) -> str:
        text = self.log_path(name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> list[int]:
        """Every process this stack started (services, broker, postmaster)."""
        found = [p.pid for p in self._processes.values()]
        for server in (self._broker, self._postgres):
            if server is not None and server.pid is not None:
                found.append(server.pid)
        return found

    def stop_service(self, name: str, sig: signal.Signals = signal.SIGTERM) -> None:
        process = self._processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart_service(self, name: str) -> None:
        self.stop_service(name)
        self._start_service(name)
        self.wait_until_ready()

    def stop(self) -> None:
        for name in list(self._processes):
            self.stop_service(name)
        if self._broker is not None:
            self._broker.stop()
            self._broker = None
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None
        shutil.rmtree(self._logdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    received: list[int] = []

    def note(signum: int, _frame: object) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not received:
            signal.pause()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
