"""``lead demo``: the whole system on the LA County history, then a clean stop.

Starts the local stack (abeyance and reporting on event time: the history was never recorded
live), feeds the seeded synthetic history through intake (HTTP and the inbound topic), waits
until every service has caught up, prints the report tables and the published numbers beside
the reproduced ones for each snapshot, writes the HTML report pages and the Parquet warehouse
files into ``out/``, stops the stack and says where the outputs are.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Sequence
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from services.demo import comparison
from services.demo.comparison import Row
from services.demo.layout import comparison_table, rich_tables, withheld_table
from services.demo.settle import (
    cells_of,
    internal_report,
    internal_reports,
    public_reports,
    wait_until_settled,
)
from services.devstack.pages_tour import page_lines, pages_and_people, screenshot_pages
from services.devstack.stack import LocalStack, wait_for_signal
from services.platform.settings import SERVICE_PORTS, with_database
from services.reporting.export import ExportSummary, export_parquet
from services.simulation import published as pub
from services.simulation import run_simulation

FIRST, LATER = pub.SNAPSHOT.isoformat(), pub.LATER_SNAPSHOT.isoformat()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _ports() -> dict[str, int]:
    """The usual ports, or free ones when something else already listens there."""
    from services.devstack.localinfra import free_port

    return {name: p if _port_free(p) else free_port() for name, p in SERVICE_PORTS.items()}


def run_demo(
    console: Console,
    out: Path = Path("out"),
    seed: int = 2017,
    scale: float = 1.0,
    *,
    keep_running: bool = False,
) -> bool:
    """The demo; True when the reproduced numbers match the published consistent ones. With
    ``keep_running`` the stack stays up, the pages' addresses and a token for one person of each
    role printed, until Ctrl-C or SIGTERM."""
    token = secrets.token_urlsafe(24)
    stack = LocalStack(
        ports=_ports(),
        extra_env={
            "LEAD_ADMIN_TOKEN": token,
            "LEAD_ABEYANCE_EVENT_TIME_ONLY": "true",
            "LEAD_REPORTING_EVENT_TIME_ONLY": "true",
        },
    )
    auth = {"Authorization": f"Bearer {token}"}
    out.mkdir(parents=True, exist_ok=True)
    try:
        with console.status("starting broker, PostgreSQL and the three services..."):
            stack.start()
        console.print(f"[green]stack up[/]: {', '.join(stack.url(s) for s in stack.services)}")
        _feed(console, stack, seed, scale)
        with console.status("waiting until abeyance and reporting have caught up..."):
            position = wait_until_settled(stack, auth)
        console.print(f"reporting caught up at position {position}")
        ok = _compare(console, stack, auth)
        export = _outputs(stack, out)
        _pages(console, stack, out / "pages", keep_running)
    finally:
        with console.status("stopping the stack..."):
            stack.stop()
    console.print(
        f"[green]demo finished[/]: every process it started has stopped.\n"
        f"  report pages: {out / 'report.html'} (today), {out / f'report-{FIRST}.html'},"
        f" {out / f'report-{LATER}.html'}\n"
        f"  warehouse:    {export.directory} ({len(export.tables)} Parquet tables)"
    )
    if not ok:
        console.print("[red]some reproduced numbers differ from the published ones (see ✗)[/]")
    return ok


def _pages(console: Console, stack: LocalStack, out: Path, keep_running: bool) -> None:
    """A screenshot of each page for people under ``out``; with ``keep_running``, the pages'
    addresses and tokens printed, and the stack kept up until a signal."""
    urls, people = pages_and_people(stack)
    try:
        shots = asyncio.run(screenshot_pages(urls, people, out))
        console.print(f"pages for people: {len(shots)} screenshots in {out}")
    except RuntimeError as error:  # no Chromium here: the pages still work, only no pictures
        console.print(f"[yellow]no screenshots of the pages[/]: {error}")
    if keep_running:
        console.print("\n".join(page_lines(urls, people)))
        console.print("the stack stays up; Ctrl-C or SIGTERM stops everything")
        wait_for_signal()


def _feed(console: Console, stack: LocalStack, seed: int, scale: float) -> None:
    with Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("feeding the LA County history through intake", total=None)
        summary = asyncio.run(
            run_simulation(
                stack.url("intake"),
                stack.kafka_bootstrap,
                stack.database_url,
                seed=seed,
                scale=scale,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                abeyance_url=stack.url("abeyance"),
            )
        )
    console.print(
        f"fed {summary.referrals} referrals ({summary.inbound_referrals} on the"
        f" inbound topic), {summary.case_events} case events, "
        f"{summary.cohort_members} evaluation subjects; history complete:"
        f" {summary.timers_fired_at_end} abeyances expired at its end"
    )


def _compare(console: Console, stack: LocalStack, auth: dict[str, str]) -> bool:
    """Print every report (today) and each snapshot beside the page; True if all match."""
    for name, body in internal_reports(stack, auth).items():
        for table in rich_tables(name, cells_of(body)):
            console.print(table)
    first = {n: cells_of(b) for n, b in internal_reports(stack, auth, as_of=FIRST).items()}
    later = {n: cells_of(b) for n, b in internal_reports(stack, auth, as_of=LATER).items()}
    cutoff = pub.EVALUATION_CUTOFF.isoformat()
    outcomes = internal_report(stack, auth, "outcomes", as_of=FIRST, to=cutoff)
    sections: Sequence[tuple[str, list[Row]]] = (
        (f"First snapshot: the page's tables as of {FIRST}", comparison.first_snapshot(first)),
        (
            f"Second snapshot: the later site summary as of {LATER}",
            comparison.later_snapshot(later),
        ),
        (
            f"Evaluation: subjects indexed and observed to {cutoff} (as of {FIRST})",
            comparison.evaluation(cells_of(outcomes)),
        ),
    )
    for title, rows in sections:
        console.print(comparison_table(f"Published page vs reproduced from events. {title}", rows))
    public = {n: cells_of(b) for n, b in public_reports(stack, as_of=FIRST).items()}
    console.print(withheld_table(f"The public page as of {FIRST}: cells withheld", first, public))
    return all(row.matches for _, rows in sections for row in rows)


def _outputs(stack: LocalStack, out: Path) -> ExportSummary:
    """The public report page today and as of both snapshots; the warehouse files."""
    _page(stack, out / "report.html", {})
    for day in (FIRST, LATER):
        _page(stack, out / f"report-{day}.html", {"as_of": day})
    dsn = with_database(stack.database_url, "lead_reporting")
    return asyncio.run(export_parquet(dsn, out / "warehouse"))


def _page(stack: LocalStack, path: Path, params: dict[str, str]) -> None:
    page = httpx.get(f"{stack.url('reporting')}/report", params=params, timeout=300)
    page.raise_for_status()
    path.write_text(page.text, encoding="utf-8")
