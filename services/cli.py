"""``lead``: the single command-line entry point."""

from __future__ import annotations

import asyncio
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
dlq_app = typer.Typer(help="Dead letters: list, show, replay", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
consumer_app = typer.Typer(help="The services' consumers", no_args_is_help=True)
app.add_typer(consumer_app, name="consumer")
topics_app = typer.Typer(help="Kafka topics (events/topic_catalog.py)", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
deploy_app = typer.Typer(help="Deployment manifests generated from the code", no_args_is_help=True)
app.add_typer(deploy_app, name="deploy")
console = Console()


@app.command()
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


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str | None, typer.Argument(help="one .dlq topic (default: all)")] = None,
) -> None:
    """Every dead letter: where it is, where it came from, which consumer, why, replayed?"""
    from rich.table import Table

    from services.platform import repair

    settings = get_settings()

    async def run() -> None:
        topics = [topic] if topic else await repair.dead_letter_topics(settings)
        table = Table("dead letter", "original", "consumer", "fault", "reason", "replayed")
        total = 0
        for name in topics:
            letters = await repair.dead_letters(settings, name)
            done = await repair.replayed(letters, settings.database_url_for)
            total += len(letters)
            for letter in letters:
                table.add_row(
                    letter.where,
                    f"{letter.original_topic} @ {letter.header('lead-original-offset')}",
                    letter.consumer,
                    letter.fault,
                    letter.reason[:120],
                    "yes" if letter.where in done else "no",
                )
        console.print(table)
        console.print(f"{total} dead letters in {len(topics)} topics")

    asyncio.run(run())


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[str, typer.Argument(help="the .dlq topic")],
    offset: Annotated[int, typer.Argument(help="the dead letter's offset")],
    partition: Annotated[int | None, typer.Option(help="its partition (default: any)")] = None,
    reveal: Annotated[
        bool, typer.Option(help="show personal fields (names, dates of birth) unredacted")
    ] = False,
) -> None:
    """One dead letter in full: headers, key and value (personal fields redacted)."""
    import json

    from services.platform import repair
    from services.platform.logging import redact_personal_fields

    letters = asyncio.run(repair.dead_letters(get_settings(), topic))
    found = [
        x for x in letters if x.record.offset == offset and partition in (None, x.record.partition)
    ]
    if not found:
        console.print(f"no dead letter at offset {offset} of {topic}")
        raise typer.Exit(1)
    for letter in found:
        console.print(f"[bold]{letter.where}[/bold]")
        for name, value in letter.headers.items():
            console.print(f"  {name}: {value.decode(errors='replace')}")
        console.print(f"  key: {letter.record.key!r}")
        try:
            body = json.loads(letter.record.value or b"")
        except ValueError:
            console.print(f"  value (not JSON): {letter.record.value!r}")
            continue
        shown = body if reveal else redact_personal_fields(None, "", {"value": body})["value"]
        console.print_json(json.dumps(shown))


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="the .dlq topic")],
    offset: Annotated[
        list[int] | None, typer.Option(help="only these offsets (repeatable; default: all)")
    ] = None,
) -> None:
    """Send dead letters back to their original topic, once each (after the fix that makes
    them pass); a consumer that applied a message already skips the copy."""
    from services.platform import repair
    from services.platform.kafka import KafkaPublisher

    settings = get_settings()

    async def run() -> repair.Replayed:
        letters = await repair.dead_letters(settings, topic)
        chosen = [x for x in letters if not offset or x.record.offset in offset]
        publisher = KafkaPublisher(settings, "lead-dlq-replay")
        await publisher.start()
        try:
            return await repair.replay(chosen, publisher, settings.database_url_for)
        finally:
            await publisher.stop()

    done = asyncio.run(run())
    console.print(f"replayed {len(done.replayed)}; skipped {len(done.skipped)} (replayed before)")


@consumer_app.command("rewind")
def consumer_rewind(
    service: Annotated[str, typer.Argument(help="intake, abeyance or reporting")],
    consumer: Annotated[
        str | None, typer.Option(help="one consumer group, e.g. lead-reporting-reports")
    ] = None,
) -> None:
    """Re-read the service's topics from the beginning: every consumer skips what it applied
    and applies what it missed. Running instances follow within seconds."""
    from services.platform import repair

    if service not in SERVICE_PORTS:
        raise typer.BadParameter(f"unknown service {service!r}; one of {sorted(SERVICE_PORTS)}")
    dsn = get_settings().database_url_for(service)
    names = asyncio.run(repair.rewind(dsn, service, consumer))
    if not names:
        console.print(f"no consumer of {service} matched (has the service ever started?)")
        raise typer.Exit(1)
    console.print(f"rewound: {', '.join(names)}")


@app.command("export")
def export(
    to: Annotated[Path, typer.Option("--to", help="directory for the Parquet files")],
) -> None:
    """Write the de-identified warehouse fact tables as Parquet (incremental, idempotent)."""
    from services.reporting.export import export_parquet

    dsn = get_settings().database_url_for("reporting")
    summary = asyncio.run(export_parquet(dsn, to))
    for table in summary.tables:
        state = "written" if table.written else "unchanged"
        console.print(f"{table.file}: {table.rows} rows, position {table.max_position} ({state})")


@topics_app.command("list")
def topics_list() -> None:
    """Every topic with its partitions, retention and cleanup policy."""
    from rich.table import Table

    from services.platform.topics import deployment_topics

    table = Table("topic", "partitions", "retention", "cleanup", "purpose")
    for topic in deployment_topics():
        days = "forever" if topic.retention_days is None else f"{topic.retention_days} days"
        table.add_row(topic.name, str(topic.partitions), days, topic.cleanup_policy, topic.purpose)
    console.print(table)


@topics_app.command("ensure")
def topics_ensure(
    replication_factor: Annotated[
        int, typer.Option(min=1, help="copies of each partition (1 on one machine)")
    ] = 3,
) -> None:
    """Create every missing topic with its partitions and configuration (existing ones stay)."""
    from services.platform.kafka import kafka_client_options
    from services.platform.topics import create_missing_topics, deployment_topics

    options = kafka_client_options(get_settings())
    created = asyncio.run(create_missing_topics(options, deployment_topics(), replication_factor))
    console.print(f"{len(created)} topics created" + (f": {', '.join(created)}" if created else ""))


@deploy_app.command("generate")
def deploy_generate(
    root: Annotated[Path, typer.Option(help="the repository's root")] = Path("."),
    program: Annotated[
        Path | None, typer.Option(help="a sites.toml of your own (default: the shipped one)")
    ] = None,
) -> None:
    """Write the Strimzi topics and users and the KEDA scaling generated from the code."""
    from services.deployment.render import write

    for path in write(root, program):
        console.print(str(path))


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


if __name__ == "__main__":
    app()
