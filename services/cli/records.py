"""``lead token|participant|reporting|export|schema``: tokens, identities, the reporting
projection and the documents the system writes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from services.cli.output import console
from services.platform.auth import Role
from services.platform.settings import get_settings

token_app = typer.Typer(help="Callers' bearer tokens", no_args_is_help=True)
participant_app = typer.Typer(help="Participants' identities", no_args_is_help=True)
reporting_app = typer.Typer(help="The reporting projection", no_args_is_help=True)
schema_app = typer.Typer(help="The event contract as documents", no_args_is_help=True)


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
    from services.catalog import service_specs
    from services.platform.asyncapi import write_asyncapi

    written = export_json_schemas(directory)
    written.append(write_asyncapi(directory / "asyncapi.json", service_specs(get_settings())))
    for path in written:
        console.print(str(path))
