"""One service process: its database, its Kafka clients, its outbox relay, its HTTP app.

A service declares what it needs (migrations, consumers, whether it originates events) and the
runtime starts and stops it all in the FastAPI lifespan, in a safe order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from services.platform.auth import Authenticator, Forbidden
from services.platform.consuming import (
    Backoff,
    Subscription,
    register_consumers,
    subscribe,
    watch_rewinds,
)
from services.platform.db import (
    Migration,
    Pool,
    create_pool,
    ensure_database_exists,
    migrate,
    migrations_in,
)
from services.platform.faults import Fault, classify
from services.platform.http_faults import FaultBarrier
from services.platform.kafka import KafkaPublisher, make_broker
from services.platform.logging import get_logger
from services.platform.metrics import OUTBOX_OLDEST_UNSENT_AGE, OUTBOX_PENDING
from services.platform.outbox import OutboxRelay, oldest_unsent_age_s, pending_count
from services.platform.projection import Projection, ProjectionRunner, RecordConsumer
from services.platform.settings import Settings

log = get_logger(__name__)


@dataclass
class ServiceSpec:
    """What a service is made of."""

    name: str
    migrations: Callable[[], list[Migration]]
    consumers: Sequence[Projection | RecordConsumer] = ()
    """What the service consumes: projections of events, and consumers of other messages."""
    publishes: Sequence[str] = ()
    """Topics the service publishes to (through its outbox), for the AsyncAPI document."""
    receives: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    """Topics its consumers read that carry no events, with their message model (AsyncAPI)."""
    background: Sequence[Callable[[ServiceRuntime, asyncio.Event], Any]] = field(default=())


def consumer_group(service: str, consumer: str) -> str:
    """A service's consumer group, and the name its progress is recorded under (the only place
    that spells it: renaming a consumer renames it everywhere)."""
    return f"lead-{service}-{consumer}"


def platform_migrations() -> list[Migration]:
    return migrations_in("services.platform", "platform")


class ServiceRuntime:
    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self._pool: Pool | None = None
        self.publisher = KafkaPublisher(settings, client_id=f"lead-{spec.name}")
        self.broker = make_broker(settings)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self.subscriptions: list[Subscription] = []
        self._authenticator: Authenticator | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise RuntimeError(f"{self.spec.name} is not started")
        return self._pool

    @property
    def authenticate(self) -> Authenticator:
        if self._authenticator is None:
            self._authenticator = Authenticator(
                self.pool, self.settings.admin_token, self.settings.token_cache_s
            )
        return self._authenticator

    def consumer_name(self, consumer: Projection | RecordConsumer) -> str:
        return consumer_group(self.spec.name, consumer.name)

    async def start(self) -> None:
        self._pool = await self._open_database()
        await self.publisher.start()
        consumers = self.spec.consumers
        await register_consumers(self._pool, [self.consumer_name(c) for c in consumers])
        for consumer in consumers:
            runner = ProjectionRunner(
                self._pool,
                consumer,
                self.consumer_name(consumer),
                max_bug_attempts=self.settings.consumer_max_bug_attempts,
            )
            self.subscriptions.append(subscribe(self.broker, runner, self.settings, self._pool))
        await self.broker.start()
        if self.subscriptions:
            watch = watch_rewinds(
                self.subscriptions, self._pool, self.settings.rewind_poll_s, self._stop
            )
            self._tasks.append(asyncio.create_task(watch))
        if self.spec.publishes:
            relay = OutboxRelay(
                self._pool,
                self.publisher,
                batch_size=self.settings.outbox_batch_size,
                poll_interval_s=self.settings.outbox_poll_interval_s,
                max_backoff_s=self.settings.outbox_max_backoff_s,
                crash_after_publish=self.settings.fault_relay_crash_after_publish,
                wake_dsn=self.settings.database_url_for(self.spec.name),
            )
            self._tasks.append(asyncio.create_task(relay.run(self._stop)))
        for job in self.spec.background:
            self._tasks.append(asyncio.create_task(job(self, self._stop)))
        log.info("service_started", service=self.spec.name)

    async def _open_database(self) -> Pool:
        """The service's pool, its database created and migrated; waits (with backoff) while
        the server is unreachable, so a service started during a database outage comes up when
        the database does."""
        dsn = self.settings.database_url_for(self.spec.name)
        backoff = Backoff(0.2, 5.0)
        while True:
            try:
                await ensure_database_exists(dsn)
                pool = await create_pool(
                    dsn,
                    connect_timeout_s=self.settings.database_connect_timeout_s,
                    command_timeout_s=self.settings.database_command_timeout_s,
                )
                break
            except Exception as error:
                if classify(error) is not Fault.TRANSIENT:
                    raise
                log.warning("database_unreachable_at_start", error=str(error))
                await backoff.pause()
        try:
            applied = await migrate(pool, platform_migrations() + self.spec.migrations())
        except BaseException:
            await pool.close()
            raise
        log.info("migrated", service=self.spec.name, applied=applied)
        return pool

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=10)
        await self.broker.stop()
        await self.publisher.stop()
        if self._pool is not None:
            await self._pool.close()
        log.info("service_stopped", service=self.spec.name)

    async def readiness(self) -> dict[str, bool]:
        """Whether the database and the broker answer now (each within the ready timeout)."""
        timeout = self.settings.ready_timeout_s
        return {
            "database": await _answers(self._database_answers(), timeout),
            "broker": await _answers(self.publisher.is_reachable(), timeout),
        }

    async def is_ready(self) -> bool:
        return all((await self.readiness()).values())

    async def _database_answers(self) -> bool:
        if self._pool is None:
            return False
        async with self._pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return True


async def _answers(check: Any, timeout_s: float) -> bool:
    try:
        return bool(await asyncio.wait_for(check, timeout=timeout_s))
    except Exception:
        return False


async def field_errors(_request: Request, error: Exception) -> JSONResponse:
    """422 with one message per offending field, never echoing the input back: it may hold a
    person's name or date of birth, or numbers JSON cannot carry (NaN, Infinity)."""
    assert isinstance(error, RequestValidationError)
    detail = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type")}
        for e in error.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


async def forbidden(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Forbidden)
    return JSONResponse({"detail": error.reason}, status_code=403)


def create_service_app(runtime: ServiceRuntime, **fastapi_options: Any) -> FastAPI:
    """The service's FastAPI app with /health, /ready and /metrics; routes are added after."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"LEAD {runtime.spec.name}", lifespan=lifespan, **fastapi_options)
    app.state.runtime = runtime
    app.add_exception_handler(RequestValidationError, field_errors)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_middleware(FaultBarrier, retry_after_s=runtime.settings.retry_after_s)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": runtime.spec.name}

    @app.get("/ready", tags=["operations"])
    async def ready() -> JSONResponse:
        reachable = await runtime.readiness()
        ok = all(reachable.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "service": runtime.spec.name, **reachable},
            status_code=200 if ok else 503,
            headers={} if ok else {"Retry-After": str(runtime.settings.retry_after_s)},
        )

    @app.get("/metrics", tags=["operations"])
    async def metrics() -> Response:
        if runtime.spec.publishes and runtime._pool is not None:
            with contextlib.suppress(Exception):  # the metrics still answer without a database
                OUTBOX_PENDING.set(await pending_count(runtime.pool))
                OUTBOX_OLDEST_UNSENT_AGE.set(await oldest_unsent_age_s(runtime.pool))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
