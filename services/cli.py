"""``lead``: the single command-line entry point."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
import uvicorn
from rich.console import Console

from services.platform.auth import Role
from services.platform.logging import configure_logging
from services.platform.settings import SERVICE_PORTS, get_settings

app = typer.Typer(help="LEAD diversion event system", no_args_is_help=True)
schema_app = typer.Typer(help="The event contract as documents", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
token_app = typer.Typer(help="Callers' bearer tokens", no_args_is_help=True)
app.add_typer(token_app, name="token")
participant_app = typer.Typer(help="Participants' identities", no_args_is_help=True)
app.add_typer(participant_app, name="participant")
reporting_app = typer.Typer(help="The reporting projection", no_args_is_help=True)
app.add_typer(reporting_app, name="reporting")
console = Console()


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="intake, abeyance or reporting")],
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8001/8002/8003)")] = None,
) -> None:
    """Run one service: its HTTP API, its consumers and its outbox relay."""
    from services.catalog import APPS

    if service not in APPS:
        raise typer.BadParameter(f"unknown service {service!r}; one of {sorted(APPS)}")
    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        APPS[service](settings),
        host=settings.host,
        port=port or SERVICE_PORTS[service],
        log_config=None,
        access_log=False,
    )


@app.command()
def stack() -> None:
    """Start broker, PostgreSQL and the three services in the foreground; Ctrl-C stops all."""
    from services.platform.stack import LocalStack, wait_for_signal

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


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="where the HTML report and Parquet files go")] = Path(
        "out"
    ),
    seed: int = 2017,
    scale: float = 1.0,
) -> None:
    """The whole system on the LA County history: stack, simulation, reports, outputs, stop."""
    from services.demo import run_demo

    if not run_demo(console, out, seed, scale):
        raise typer.Exit(1)


@app.command()
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


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="the caller's role")],
    agency: Annotated[str, typer.Option(help="the caller's agency code, e.g. lapd")],
) -> None:
    """Print a new bearer token for ROLE at AGENCY (only its hash is stored)."""
    from services.tokens import create_token

    token = asyncio.run(create_token(get_settings(), role, agency))
    print(token)


@participant_app.command("forget")
def participant_forget(participant_id: UUID) -> None:
    """Destroy the participant's identity key: name and birth date become unrecoverable."""
    from services.intake.forget import forget_participant

    if asyncio.run(forget_participant(get_settings(), participant_id)):
        console.print(f"participant {participant_id}: identity key destroyed")
    else:
        console.print(f"participant {participant_id}: no identity held (already forgotten?)")
        raise typer.Exit(1)


@reporting_app.command("rebuild")
def reporting_rebuild() -> None:
    """Drop the reporting projection and rebuild it from the log (progress bar, final count)."""
    from rich.progress import Progress

    from services.platform.db import create_pool
    from services.reporting.rebuild import rebuild

    settings = get_settings()

    async def run() -> None:
        pool = await create_pool(settings.database_url_for("reporting"))
        try:
            with Progress(console=console) as bar:
                task = bar.add_task("rebuilding the reporting projection", total=None)
                done = await rebuild(
                    settings, pool, lambda n, total: bar.update(task, completed=n, total=total)
                )
        finally:
            await pool.close()
        console.print(
            f"rebuilt: {done.read} messages read, {done.applied} events applied,"
            f" projection position {done.position}"
        )

    asyncio.run(run())


@app.command("export")
def export(
    to: Annotated[Path, typer.Option("--to", help="directory for the Parquet files")],
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="the facts as of the end of this day"),
    ] = None,
    as_of_position: Annotated[
        int | None,
        typer.Option("--as-of-position", min=0, help="the facts after this many events"),
    ] = None,
) -> None:
    """Write the de-identified warehouse fact tables as Parquet (incremental, idempotent)."""
    from services.reporting.domain.as_of import AsOf
    from services.reporting.export import export_parquet

    dsn = get_settings().database_url_for("reporting")
    try:
        wanted = AsOf(day=as_of.date() if as_of else None, position=as_of_position)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    summary = asyncio.run(export_parquet(dsn, to, as_of=wanted))
    for table in summary.tables:
        state = "written" if table.written else "unchanged"
        console.print(f"{table.file}: {table.rows} rows, position {table.max_position} ({state})")


@schema_app.command("export")
def schema_export(directory: Path) -> None:
    """Write one JSON Schema per event, and the services' AsyncAPI document."""
    from events.schema import export_json_schemas
    from services.platform.asyncapi import write_asyncapi

    written = export_json_schemas(directory)
    written.append(write_asyncapi(directory / "asyncapi.json"))
    for path in written:
        console.print(str(path))


if __name__ == "__main__":
    app()
