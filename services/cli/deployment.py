"""``lead topics|deploy``: the topics of a deployment and the manifests generated from the code."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from services.cli.output import console
from services.platform.settings import get_settings

topics_app = typer.Typer(help="Kafka topics (events/topic_catalog.py)", no_args_is_help=True)
deploy_app = typer.Typer(help="Deployment manifests generated from the code", no_args_is_help=True)


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
