"""``lead serve|stack|demo|simulate``: running the services, the local stack, the demo."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from services.cli.output import console
from services.platform.allocator import fix_allocator_thresholds
from services.platform.logging import configure_logging
from services.platform.settings import SERVICE_PORTS, get_settings


def serve(
    service: Annotated[str, typer.Argument(help="intake, abeyance or reporting")],
    port: Annotated[
        int | None,
        typer.Option(envvar="LEAD_PORT", help="HTTP port (default 8001/8002/8003)"),
    ] = None,
) -> None:
    """Run one service: its HTTP API, its consumers and its outbox relay."""
    from services.catalog import APPS

    if service not in APPS:
        raise typer.BadParameter(f"unknown service {service!r}; one of {sorted(APPS)}")
    fix_allocator_thresholds()
    settings = get_settings()
    configure_logging(settings.log_level)
    options: dict[str, object] = {
        "host": settings.host,
        "port": port or SERVICE_PORTS[service],
        "log_config": None,
        "access_log": False,
        "loop": "uvloop",
        "http": "httptools",
    }
    if settings.workers > 1:  # each worker a process: its own pool, relay and consumers
        os.environ[SERVED] = service
        uvicorn.run(f"{__name__}:served_app", factory=True, workers=settings.workers, **options)  # type: ignore[arg-type]
    else:
        uvicorn.run(APPS[service](settings), **options)  # type: ignore[arg-type]


SERVED = "LEAD_SERVED_SERVICE"


def served_app() -> object:
    """The app of the service named in the environment (what each worker process builds)."""
    from services.catalog import APPS

    fix_allocator_thresholds()
    settings = get_settings()
    configure_logging(settings.log_level)
    return APPS[os.environ[SERVED]](settings)


def stack() -> None:
    """Start broker, PostgreSQL and the three services in the foreground; Ctrl-C stops all."""
    from services.devstack.stack import LocalStack, wait_for_signal

    running = LocalStack()
    try:
        with console.status("starting the local stack..."):
            running.start()
        console.print(f"broker      {running.kafka_bootstrap}")
        console.print(f"postgresql  {running.database_url}")
        for name in running.services:
            console.print(f"{name:<11} {running.url(name)}  (API docs: {running.url(name)}/docs)")
        console.print("stack is up; Ctrl-C or SIGTERM stops everything")
        wait_for_signal()
    finally:
        running.stop()
        console.print("stack stopped")


def demo(
    out: Annotated[Path, typer.Option(help="where the HTML report and Parquet files go")] = Path(
        "out"
    ),
    seed: int = 2017,
    scale: float = 1.0,
    keep_running: Annotated[
        bool,
        typer.Option(help="leave the stack up, print the pages and a token per role; Ctrl-C stops"),
    ] = False,
) -> None:
    """The whole system on the LA County history: stack, simulation, reports, outputs, stop."""
    from services.demo import run_demo

    if not run_demo(console, out, seed, scale, keep_running=keep_running):
        raise typer.Exit(1)


def simulate(
    seed: Annotated[int, typer.Option(help="same seed, same history")] = 2017,
    scale: Annotated[float, typer.Option(help="1.0 = the published program's size")] = 1.0,
    intake_url: Annotated[str, typer.Option(help="intake's base URL")] = "http://127.0.0.1:8001",
    abeyance_url: Annotated[
        str, typer.Option(help="abeyance's base URL, told at the end that the history is complete")
    ] = "http://127.0.0.1:8002",
    token_file: Annotated[Path, typer.Option(help="keeps the tokens for idempotent re-runs")] = (
        Path("out/simulation-tokens.json")
    ),
) -> None:
    """Feed the seeded synthetic LA County history through a running intake service."""
    from rich.progress import Progress

    from services.simulation import run_simulation

    settings = get_settings()
    with Progress(console=console) as bar:
        task = bar.add_task("feeding the history through intake", total=None)
        summary = asyncio.run(
            run_simulation(
                intake_url,
                settings.kafka_bootstrap,
                settings.database_url,
                seed=seed,
                scale=scale,
                token_file=token_file,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                abeyance_url=abeyance_url,
            )
        )
    console.print(
        f"{summary.referrals} referrals ({summary.inbound_referrals} inbound),"
        f" {summary.case_events} case events, {summary.cohort_members} evaluation subjects"
        f" in {summary.seconds:.0f} s"
    )
    if summary.timers_fired_at_end is not None:
        console.print(f"history complete: {summary.timers_fired_at_end} abeyances expired")
