"""PostgreSQL TLS as deployments configure it: only through the DSN, verified against a CA.

A throwaway server of its own gets a certificate from a test CA; the service's settings (a DSN
read from a file, as Kubernetes mounts it) then reach it encrypted, and a wrong CA is refused.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from services.devstack.localinfra import LocalPostgres
from services.platform.db import create_pool
from services.platform.settings import Settings
from tests.unit.certificates import Pki, make_pki

pytestmark = pytest.mark.skipif(
    os.environ.get("LEAD_TEST_INFRA") == "docker" or bool(os.environ.get("LEAD_DATABASE_URL")),
    reason="starts a PostgreSQL server of its own from the local binaries",
)


@pytest.fixture(scope="module")
def tls_server() -> Iterator[tuple[LocalPostgres, Pki]]:
    # not under pytest's private tmp folders: the server (user postgres) must read its key
    directory = Path(tempfile.mkdtemp(prefix="lead-pg-tls-"))
    pki = make_pki(directory)
    try:
        if os.geteuid() == 0:  # the server runs as postgres and wants its key private
            for path in (directory, pki.cert_file, pki.key_file):
                shutil.chown(path, user="postgres", group="postgres")
        with LocalPostgres() as server:
            server.create_database("lead_intake")
            _enable_ssl(server, pki)
            yield server, pki
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _enable_ssl(server: LocalPostgres, pki: Pki) -> None:
    import asyncio

    async def configure() -> None:
        connection = await asyncpg.connect(server.dsn())
        try:
            await connection.execute(f"ALTER SYSTEM SET ssl_cert_file = '{pki.cert_file}'")
            await connection.execute(f"ALTER SYSTEM SET ssl_key_file = '{pki.key_file}'")
            await connection.execute("ALTER SYSTEM SET ssl = on")
            await connection.execute("SELECT pg_reload_conf()")
        finally:
            await connection.close()

    asyncio.run(configure())


def _dsn_file(tmp_path: Path, server: LocalPostgres, ca_file: Path) -> Path:
    dsn = f"{server.dsn('lead_intake')}?sslmode=verify-full&sslrootcert={ca_file}"
    path = tmp_path / "intake-database-url"
    path.write_text(dsn + "\n")
    return path


async def test_the_service_dsn_reaches_postgres_over_verified_tls(
    tls_server: tuple[LocalPostgres, Pki], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, pki = tls_server
    monkeypatch.setenv(
        "LEAD_INTAKE_DATABASE_URL_FILE", str(_dsn_file(tmp_path, server, pki.ca_file))
    )
    pool = await create_pool(Settings().database_url_for("intake"), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            encrypted = await conn.fetchval(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            )
    finally:
        await pool.close()
    assert encrypted is True


async def test_a_server_not_signed_by_the_ca_is_refused(
    tls_server: tuple[LocalPostgres, Pki], tmp_path: Path
) -> None:
    server, _ = tls_server
    other = make_pki(tmp_path)  # another CA, same host names
    dsn = f"{server.dsn('lead_intake')}?sslmode=verify-full&sslrootcert={other.ca_file}"
    with pytest.raises(Exception, match=r"(?i)certificate"):
        await asyncpg.connect(dsn)
