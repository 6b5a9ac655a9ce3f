"""``lead demo``: the whole system on the LA County history, then a clean stop.

Starts the local stack, feeds the seeded synthetic history through intake (HTTP and the inbound
topic), waits until every service has caught up, prints the report tables and the published
numbers beside the reproduced ones, writes the HTML report and the Parquet warehouse files into
``out/``, stops the stack and says where the outputs are.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from events.topics import REFERRAL_EVENTS
from services.devstack.stack import LocalStack
from services.platform.kafka import end_offsets
from services.platform.settings import SERVICE_PORTS, with_database
from services.reporting.domain import Cell
from services.reporting.export import export_parquet
from services.reporting.projection import TOPICS as REPORTING_TOPICS
from services.reporting.render import LAYOUTS, placement
from services.reporting.tables import REPORTS as TABLES
from services.simulation import run_simulation
from services.simulation.published import (
    PUBLISHED_AORS,
    PUBLISHED_KITS_BY_YEAR,
    PUBLISHED_USES,
    REFERRALS_BY_SITE_PATHWAY,
    REFERRALS_BY_SITE_STATUS,
)

REPORTS = tuple(TABLES)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _ports() -> dict[str, int]:
    """The usual ports, or free ones when something else already listens there."""
    from services.devstack.localinfra import free_port

    return {name: p if _port_free(p) else free_port() for name, p in SERVICE_PORTS.items()}


CONSUMERS = {
    "lead_abeyance": ("lead-abeyance-referrals", (REFERRAL_EVENTS,)),
    "lead_reporting": ("lead-reporting-reports", REPORTING_TOPICS),
}


async def _behind(stack: LocalStack) -> int:
    """Outbox rows not yet sent, plus messages abeyance and reporting have not applied yet."""
    behind = 0
    for service in ("lead_intake", "lead_abeyance"):
        conn = await asyncpg.connect(with_database(stack.database_url, service))
        try:
            behind += await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        finally:
            await conn.close()
    for database, (consumer, topics) in CONSUMERS.items():
        ends = await end_offsets(stack.kafka_bootstrap, topics)
        conn = await asyncpg.connect(with_database(stack.database_url, database))
        try:
            rows = await conn.fetch(
                'SELECT topic, partition, "offset" FROM consumer_positions WHERE consumer = $1',
                consumer,
            )
        finally:
            await conn.close()
        applied = {(r["topic"], r["partition"]): r["offset"] + 1 for r in rows}
        behind += sum(max(0, end - applied.get(tp, 0)) for tp, end in ends.items())
    return behind


def wait_until_settled(stack: LocalStack, auth: dict[str, str], timeout_s: float = 300) -> int:
    """Until nothing is left to publish or apply, twice in a row; reporting's position then."""
    url = f"{stack.url('reporting')}/reports/referrals-by-site"
    deadline, last = time.monotonic() + timeout_s, -1
    while time.monotonic() < deadline:
        behind = asyncio.run(_behind(stack))
        position = httpx.get(url, headers=auth, timeout=30).json()["as_of"]["position"]
        if behind == 0 and position == last:
            return int(position)
        last = position if behind == 0 else -1
        time.sleep(2)
    raise RuntimeError("the services did not catch up in time")


def internal_reports(stack: LocalStack, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every report, internal audience, as reporting serves it (JSON)."""
    return {
        name: httpx.get(
            f"{stack.url('reporting')}/reports/{name}",
            params={"audience": "internal"},
            headers=auth,
            timeout=60,
        ).json()
        for name in REPORTS
    }


def rich_tables(name: str, cells: list[Cell]) -> list[Table]:
    """A report laid out as in the HTML page: one table per section."""
    layout = LAYOUTS[name]
    groups: dict[str, list[Cell]] = {}
    for cell in cells:
        split = next((d for d in (layout.split or "").split("|") if d and d in cell.dims), "")
        section = str(cell.dims.get(layout.section, "")) if layout.section else ""
        groups.setdefault(" ".join(x for x in (section, split) if x), []).append(cell)
    tables = []
    for title, group in groups.items():
        columns = layout.columns
        if columns == "{split}":
            columns = next(d for d in (layout.split or "").split("|") if d in group[0].dims)
        rows: dict[Any, dict[Any, dict[str, Cell]]] = {}
        column_values: list[Any] = []
        for cell in group:
            dims = {k: v for k, v in cell.dims.items() if k != layout.section}
            row, column = placement(Cell(dims, cell.measure, cell.value, cell.note), columns)
            if column not in column_values:
                column_values.append(column)
            rows.setdefault(row, {}).setdefault(column, {})[cell.measure] = cell
        table = Table(title=f"{name} {title}".strip(), title_justify="left")
        table.add_column("")
        for column in column_values:
            table.add_column(str(column), justify="right")
        for row, by_column in rows.items():
            texts = [_text(by_column.get(c, {})) for c in column_values]
            table.add_row(" ".join(str(v) for _, v in row), *texts)
        tables.append(table)
    return tables


def _text(found: dict[str, Cell]) -> str:
    pct = found.get("pct")
    main = found.get("n") or next((c for m, c in found.items() if m != "pct"), None)
    if main is None:
        return ""
    value = (
        "-"
        if main.value is None
        else f"{main.value:,}"
        if isinstance(main.value, int)
        else str(main.value)
    )
    return value + (f" ({pct.value}%)" if pct is not None and pct.value is not None else "")


def _cells(body: dict[str, Any]) -> list[Cell]:
    return [Cell.from_json(c) for c in body["cells"]]


def _value(cells: list[Cell], measure: str, **dims: Any) -> Any:
    return next((c.value for c in cells if c.measure == measure and dict(c.dims) == dims), None)


def comparison(reports: dict[str, list[Cell]]) -> tuple[Table, bool]:
    """The published page's consistent numbers beside what the system computed."""
    table = Table(title="Published page vs reproduced from events", title_justify="left")
    for column in ("figure", "published", "reproduced", ""):
        table.add_column(column, justify="left" if column == "figure" else "right")
    ok = True

    def row(figure: str, published: Any, reproduced: Any, matches: bool) -> None:
        nonlocal ok
        ok = ok and matches
        table.add_row(figure, str(published), str(reproduced), "✓" if matches else "✗")

    by_site = reports["referrals-by-site"]
    for site, statuses in REFERRALS_BY_SITE_STATUS.items():
        for status, n in statuses.items():
            got = _value(by_site, "n", site=site, status=status)
            row(f"referrals {site} {status}", n, got, got == n)
    by_pathway = reports["referrals-by-pathway"]
    for site, pathways in REFERRALS_BY_SITE_PATHWAY.items():
        for pathway, n in pathways.items():
            got = _value(by_pathway, "n", site=site, status="total", pathway=pathway)
            row(f"referrals {site} {pathway}", n, got, got == n)
    naloxone = reports["naloxone"]
    for channel, n in PUBLISHED_KITS_BY_YEAR["total"].items():
        got = _value(naloxone, "kits", channel=channel, period="total")
        row(f"naloxone kits {channel}", f"{n:,}", f"{got:,}" if got else got, got == n)
    for period in ("total", "la_50k"):
        n = sum(PUBLISHED_USES[period].values())
        got = _value(naloxone, "uses", channel="total", period=period)
        row(f"naloxone uses {period}", f"{n:,}", f"{got:,}" if got else got, got == n)
    outcomes = reports["outcomes"]
    for aor in PUBLISHED_AORS:
        dims = {"outcome": aor.outcome, "window": aor.window_months}
        low, high = _value(outcomes, "ci_low", **dims), _value(outcomes, "ci_high", **dims)
        point = _value(outcomes, "aor", **dims)
        covers = low is not None and high is not None and low <= aor.aor <= high
        row(
            f"AOR {aor.outcome} {aor.window_months} mo",
            f"{aor.aor} ({aor.ci_low}, {aor.ci_high})",
            f"{point} ({low}, {high})",
            covers,
        )
    return table, ok


def run_demo(
    console: Console, out: Path = Path("out"), seed: int = 2017, scale: float = 1.0
) -> bool:
    """The demo; True when the reproduced numbers match the published consistent ones."""
    token = secrets.token_urlsafe(24)
    stack = LocalStack(
        ports=_ports(),
        extra_env={"LEAD_ADMIN_TOKEN": token, "LEAD_ABEYANCE_EVENT_TIME_ONLY": "true"},
    )
    auth = {"Authorization": f"Bearer {token}"}
    out.mkdir(parents=True, exist_ok=True)
    try:
        with console.status("starting broker, PostgreSQL and the three services..."):
            stack.start()
        console.print(f"[green]stack up[/]: {', '.join(stack.url(s) for s in stack.services)}")
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
        with console.status("waiting until abeyance and reporting have caught up..."):
            position = wait_until_settled(stack, auth)
        console.print(f"reporting caught up at position {position}")
        reports = {name: _cells(body) for name, body in internal_reports(stack, auth).items()}
        for name, cells in reports.items():
            for table in rich_tables(name, cells):
                console.print(table)
        table, ok = comparison(reports)
        console.print(table)
        page = httpx.get(f"{stack.url('reporting')}/report", timeout=60)
        page.raise_for_status()
        (out / "report.html").write_text(page.text, encoding="utf-8")
        export = asyncio.run(
            export_parquet(with_database(stack.database_url, "lead_reporting"), out / "warehouse")
        )
    finally:
        with console.status("stopping the stack..."):
            stack.stop()
    console.print(
        f"[green]demo finished[/]: every process it started has stopped.\n"
        f"  report page: {out / 'report.html'}\n"
        f"  warehouse:   {export.directory} ({len(export.tables)} Parquet tables)"
    )
    if not ok:
        console.print("[red]some reproduced numbers differ from the published ones (see ✗)[/]")
    return ok
