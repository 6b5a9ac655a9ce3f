"""The warehouse feed as Parquet files: one per fact table, rewritten only when it changed.

Idempotent: rows are sorted by their key and written with fixed options, so the same state
gives byte-identical files. An export can be as of a day or a position (``_manifest.json``
says which): the facts as they stood then. Incremental: ``_manifest.json`` records each
table's content hash (rows and schema, independent of the Parquet writer) and maximum
position; a table whose hash is unchanged and whose file is still there is not rewritten. All
tables are read in one snapshot, so the files are consistent with each other.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import asyncpg
import pyarrow as pa
import pyarrow.parquet as pq

from services.reporting.domain.as_of import AsOf
from services.reporting.facts import FACT_TABLES, FactTable, fact_rows

MANIFEST: Final = "_manifest.json"
MANIFEST_VERSION: Final = 1


@dataclass(frozen=True)
class TableExport:
    table: str
    file: str
    rows: int
    max_position: int
    content_hash: str
    written: bool


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    tables: tuple[TableExport, ...]
    as_of: AsOf = field(default_factory=AsOf)

    @property
    def written(self) -> tuple[str, ...]:
        return tuple(t.table for t in self.tables if t.written)

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(t.table for t in self.tables if not t.written)

    @property
    def position(self) -> int:
        """The highest position any exported row reflects."""
        return max((t.max_position for t in self.tables), default=0)


async def export_parquet(
    dsn: str, directory: Path, *, as_of: AsOf | None = None, today: date | None = None
) -> ExportSummary:
    """Write ``<table>.parquet`` for every fact table whose content changed since the last export.

    The facts are those of ``as_of`` (default: everything applied); evaluation windows are
    ``observed`` up to the as-of day, else ``today`` (default: today in the program's time zone).
    """
    as_of = as_of or AsOf()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            contents = {
                name: await fact_rows(conn, name, as_of=as_of, today=today) for name in FACT_TABLES
            }
    finally:
        await conn.close()
    return await asyncio.to_thread(write_export, directory, contents, as_of)


def write_export(
    directory: Path, contents: dict[str, list[dict[str, Any]]], as_of: AsOf | None = None
) -> ExportSummary:
    """Write the files whose content differs from the manifest's, then the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(directory)
    exports = tuple(
        _export_table(directory, FACT_TABLES[name], rows, previous.get(name))
        for name, rows in contents.items()
    )
    _write_if_changed(directory / MANIFEST, _manifest(exports, as_of or AsOf()))
    return ExportSummary(directory, exports, as_of or AsOf())


def _export_table(
    directory: Path, table: FactTable, rows: list[dict[str, Any]], previous: dict[str, Any] | None
) -> TableExport:
    file = f"{table.name}.parquet"
    content_hash = _content_hash(table, rows)
    unchanged = (
        previous is not None
        and previous.get("content_hash") == content_hash
        and (directory / file).is_file()
    )
    if not unchanged:
        _write_atomically(directory / file, _parquet_bytes(table, rows))
    return TableExport(
        table=table.name,
        file=file,
        rows=len(rows),
        max_position=max((row["position"] for row in rows), default=0),
        content_hash=content_hash,
        written=not unchanged,
    )


def _parquet_bytes(table: FactTable, rows: list[dict[str, Any]]) -> bytes:
    """Fixed writer options (no timestamps are written), so equal rows give equal bytes."""
    sink = io.BytesIO()
    pq.write_table(
        pa.Table.from_pylist(rows, schema=table.schema),
        sink,
        compression="zstd",
        write_statistics=True,
    )
    return sink.getvalue()


def _content_hash(table: FactTable, rows: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    schema = table.schema.to_string(show_field_metadata=True, show_schema_metadata=True)
    digest.update(schema.encode())
    for row in rows:
        digest.update(b"\n")
        digest.update(json.dumps(list(row.values()), default=str).encode())
    return f"sha256:{digest.hexdigest()}"


def _manifest(exports: tuple[TableExport, ...], as_of: AsOf) -> bytes:
    tables = {
        t.table: {
            "file": t.file,
            "rows": t.rows,
            "max_position": t.max_position,
            "content_hash": t.content_hash,
        }
        for t in exports
    }
    stated = {"date": as_of.day.isoformat() if as_of.day else None, "position": as_of.position}
    document = {"version": MANIFEST_VERSION, "as_of": stated, "tables": tables}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def _read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    """The previous export's tables; an unreadable manifest means rewriting every file."""
    try:
        document = json.loads((directory / MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    if not isinstance(document, dict) or document.get("version") != MANIFEST_VERSION:
        return {}
    tables = document.get("tables")
    return tables if isinstance(tables, dict) else {}


def _write_if_changed(path: Path, content: bytes) -> None:
    if not path.is_file() or path.read_bytes() != content:
        _write_atomically(path, content)


def _write_atomically(path: Path, content: bytes) -> None:
    """A reader never sees a half-written file: write beside it, then rename over it."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
