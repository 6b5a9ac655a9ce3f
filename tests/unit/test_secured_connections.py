"""Secured Kafka and PostgreSQL settings reach aiokafka and asyncpg as intended.

Every Kafka client is built here exactly as the services build it, without connecting: the
producer, the faststream broker's consumers and producer, the admin client and the group-less
consumers that read end offsets. Their aiokafka client must carry the protocol, the CA and the
credentials.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import asyncpg.connect_utils
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pydantic_settings.exceptions import SettingsError

from services.abeyance.adapters.lag_probe import LagProbe
from services.platform.kafka import (
    KafkaPublisher,
    client_options_for,
    kafka_client_options,
    make_broker,
)
from services.platform.settings import Settings
from tests.unit.certificates import Pki, make_pki

PASSWORD = "synthetic-password-for-tests"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def sasl_ssl(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a Kubernetes pod gets them: the password from a mounted file."""
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    for name, value in {
        "LEAD_KAFKA_BOOTSTRAP": "kafka-0.example.test:9093",
        "LEAD_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "LEAD_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "LEAD_KAFKA_SASL_USERNAME": "lead-intake",
        "LEAD_KAFKA_SASL_PASSWORD_FILE": str(password_file),
        "LEAD_KAFKA_SSL_CA_FILE": str(pki.ca_file),
        "LEAD_KAFKA_ENABLE_IDEMPOTENCE": "true",
    }.items():
        monkeypatch.setenv(name, value)
    return Settings()


def _client_of(kafka_client: Any) -> Any:
    """The ``AIOKafkaClient`` inside a producer, consumer or admin client."""
    return getattr(kafka_client, "client", None) or kafka_client._client


def assert_secured(client: Any, pki: Pki, mechanism: str = "SCRAM-SHA-512") -> None:
    """An aiokafka ``AIOKafkaClient`` configured for SASL_SSL with our CA and credentials."""
    servers = client._bootstrap_servers
    listed = [servers] if isinstance(servers, str) else list(servers)
    assert listed == ["kafka-0.example.test:9093"]
    assert client._security_protocol == "SASL_SSL"
    assert client._sasl_mechanism == mechanism
    assert client._sasl_plain_username == "lead-intake"
    assert client._sasl_plain_password == PASSWORD
    context: ssl.SSLContext = client._ssl_context
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert _trusts_test_ca(context), "the CA file was not loaded"


def _trusts_test_ca(context: ssl.SSLContext) -> bool:
    subjects: list[Any] = [c["subject"] for c in context.get_ca_certs()]
    return ((("commonName", "lead test CA"),),) in subjects


def test_password_comes_from_its_file_and_stays_secret(sasl_ssl: Settings) -> None:
    assert sasl_ssl.kafka_sasl_password is not None
    assert sasl_ssl.kafka_sasl_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(sasl_ssl)


async def test_the_outbox_producer_is_secured_and_idempotent(sasl_ssl: Settings, pki: Pki) -> None:
    options = kafka_client_options(sasl_ssl)
    producer = AIOKafkaProducer(
        **options, acks="all", enable_idempotence=sasl_ssl.kafka_enable_idempotence
    )
    assert_secured(_client_of(producer), pki)
    assert producer._txn_manager is not None, "idempotence did not reach the producer"
    # KafkaPublisher.start builds its producer from the same function
    publisher = KafkaPublisher(sasl_ssl, client_id="lead-intake")
    assert publisher._settings is sasl_ssl


async def test_the_faststream_broker_builds_secured_consumers_and_producer(
    sasl_ssl: Settings, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []

    async def start_offline(self: Any) -> None:
        started.append(self)

    monkeypatch.setattr(AIOKafkaProducer, "start", start_offline)
    monkeypatch.setattr(AIOKafkaAdminClient, "start", start_offline)
    broker = make_broker(sasl_ssl)
    await broker.connect()  # faststream's own code builds its clients, offline here
    producer, admin = started
    assert_secured(_client_of(producer), pki)
    assert_secured(_client_of(admin), pki)
    build_consumer = broker.config.broker_config.builder  # what every subscriber starts
    assert_secured(_client_of(build_consumer(group_id="lead-abeyance-referrals")), pki)


async def test_admin_and_groupless_consumers_are_secured(sasl_ssl: Settings, pki: Pki) -> None:
    admin = AIOKafkaAdminClient(**kafka_client_options(sasl_ssl))
    assert_secured(_client_of(admin), pki)
    # end_offsets, the lag probe and the rebuild take the service's settings
    end_offsets_consumer = AIOKafkaConsumer(**client_options_for(sasl_ssl))
    assert_secured(_client_of(end_offsets_consumer), pki)
    probe = LagProbe(sasl_ssl, "lead.referral.events", "lead-abeyance-referrals")
    assert_secured(_client_of(probe._kafka), pki)


async def test_plain_sasl_and_plaintext(monkeypatch: pytest.MonkeyPatch, pki: Pki) -> None:
    plain = Settings(
        kafka_bootstrap="kafka-0.example.test:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="lead-intake",
        kafka_sasl_password=PASSWORD,
        kafka_ssl_ca_file=pki.ca_file,
    )
    assert_secured(_client_of(AIOKafkaConsumer(**kafka_client_options(plain))), pki, "PLAIN")
    local = Settings(kafka_bootstrap="127.0.0.1:9092")
    assert kafka_client_options(local) == {
        "bootstrap_servers": "127.0.0.1:9092",
        "security_protocol": "PLAINTEXT",
    }
    assert make_broker(local)._connection_kwargs.get("security_protocol") is None
    assert not local.kafka_enable_idempotence, "Tansu rejects the idempotent producer"


def test_tls_without_ca_file_trusts_the_system_store() -> None:
    options = kafka_client_options(Settings(kafka_security_protocol="SSL"))
    assert options["security_protocol"] == "SSL"
    assert options["ssl_context"].verify_mode is ssl.CERT_REQUIRED
    assert "sasl_mechanism" not in options


def test_sasl_without_credentials_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="LEAD_KAFKA_SASL_USERNAME"):
        kafka_client_options(Settings(kafka_security_protocol="SASL_SSL"))


def test_a_setting_and_its_file_together_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "key"
    secret.write_text("synthetic-key")
    monkeypatch.setenv("LEAD_PARTICIPANT_KEY_FILE", str(secret))
    assert Settings().participant_key.get_secret_value() == "synthetic-key"
    monkeypatch.setenv("LEAD_PARTICIPANT_KEY", "another")
    with pytest.raises(SettingsError, match="not both"):
        Settings()


def test_an_unreadable_secret_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAD_IDENTITY_MASTER_KEY_FILE", "/nonexistent/lead/key")
    with pytest.raises(SettingsError, match="LEAD_IDENTITY_MASTER_KEY_FILE"):
        Settings()


def test_database_tls_goes_through_the_dsn_to_asyncpg(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = (
        "postgresql://lead_intake:synthetic@db.example.test:5432/lead_intake"
        f"?sslmode=verify-full&sslrootcert={pki.ca_file}"
    )
    dsn_file = tmp_path / "intake-dsn"
    dsn_file.write_text(dsn)
    monkeypatch.setenv("LEAD_INTAKE_DATABASE_URL_FILE", str(dsn_file))
    chosen = Settings().database_url_for("intake")
    assert chosen == dsn
    addresses, params, *_ = _asyncpg_parameters(chosen)
    assert addresses == [("db.example.test", 5432)]
    assert params.sslmode.name == "verify_full"
    context: ssl.SSLContext = params.ssl
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert _trusts_test_ca(context)


def _asyncpg_parameters(dsn: str) -> tuple[Any, ...]:
    """What asyncpg.connect / create_pool derive from the DSN (its own parser)."""
    parse: Any = getattr(asyncpg.connect_utils, "_parse_connect_arguments")  # noqa: B009
    return parse(  # type: ignore[no-any-return]  # (addresses, parameters, ...)
        dsn=dsn,
        host=None,
        port=None,
        user=None,
        password=None,
        passfile=None,
        database=None,
        command_timeout=None,
        statement_cache_size=100,
        max_cached_statement_lifetime=300,
        max_cacheable_statement_size=15360,
        ssl=None,
        direct_tls=False,
        server_settings=None,
        target_session_attrs=None,
        krbsrvname=None,
        gsslib=None,
        service=None,
        servicefile=None,
    )
