"""``lead``: the single command-line entry point (the composition root of the system's
commands: each group lives in a module of its own)."""

from __future__ import annotations

import typer

from services.cli import deployment, records, repairs, running

app = typer.Typer(help="LEAD diversion event system", no_args_is_help=True)
app.command()(running.serve)
app.command()(running.stack)
app.command()(running.demo)
app.command()(running.simulate)
app.command("export")(records.export)
app.add_typer(records.token_app, name="token")
app.add_typer(records.participant_app, name="participant")
app.add_typer(records.reporting_app, name="reporting")
app.add_typer(records.schema_app, name="schema")
app.add_typer(repairs.dlq_app, name="dlq")
app.add_typer(repairs.consumer_app, name="consumer")
app.add_typer(deployment.topics_app, name="topics")
app.add_typer(deployment.deploy_app, name="deploy")

__all__ = ["app"]
