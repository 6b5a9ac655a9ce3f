"""``lead dlq|consumer``: the operator's repair tools (docs/operations.md, sections 6 and 13)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from services.cli.output import console
from services.platform.settings import SERVICE_PORTS, get_settings

dlq_app = typer.Typer(help="Dead letters: list, show, replay", no_args_is_help=True)
consumer_app = typer.Typer(help="The services' consumers", no_args_is_help=True)


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
