"""Runtime settings, read from environment variables prefixed with ``LEAD_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from services.platform.secret_files import SecretFilesSource

SERVICE_PORTS = {"intake": 8001, "abeyance": 8002, "reporting": 8003}


class Settings(BaseSettings):
    """Everything a service needs to know about its surroundings.

    ``database_url`` names a PostgreSQL server; each service uses its own database on it
    (``lead_<service>``) unless ``LEAD_<SERVICE>_DATABASE_URL`` names one explicitly.
    """

    model_config = SettingsConfigDict(env_prefix="LEAD_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    intake_database_url: str | None = None
    abeyance_database_url: str | None = None
    reporting_database_url: str | None = None
    host: str = "127.0.0.1"
    admin_token: str | None = None
    # Key of the keyed hash that turns a person into a pseudonymous participant id. Set a
    # secret of your own in every real deployment; the default suits local stacks only.
    participant_key: SecretStr = SecretStr("lead-local-development-participant-key")
    # Master secret that wraps each participant's identity key (intake only). Same advice.
    identity_master_key: SecretStr = SecretStr("lead-local-development-identity-master-key")
    log_level: str = "INFO"
    # The local broker (Tansu) rejects idempotent/transactional producers: off by default,
    # turn on for Apache Kafka. Correctness never depends on it (outbox + idempotent consumers).
    # Abeyance: how long after a deadline a timer waits for late input, how often it looks,
    # and after how many days an unacknowledged notice is overdue.
    abeyance_grace_seconds: float = Field(default=900, ge=0)
    abeyance_tick_seconds: float = Field(default=1.0, gt=0)
    notice_ack_days: int = Field(default=3, ge=0)
    # Replaying or simulating history: timers follow event time only, never the wall clock.
    abeyance_event_time_only: bool = False
    # Reporting on event time: a fact counts as known from when it occurred (a history that was
    # never recorded live); otherwise from when it was recorded (and occurred).
    reporting_event_time_only: bool = False
    # Reporting builds the public release once its position has not moved for this long
    # (0: only when a request asks for it).
    reporting_warm_after_s: float = Field(default=2.0, ge=0)
    kafka_enable_idempotence: bool = False
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    kafka_fetch_max_wait_ms: int = 50
    consumer_batch_max_records: int = Field(default=500, ge=1)
    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_interval_s: float = Field(default=1.0, gt=0)
    """The relay is woken by each commit that queued messages; it polls this often as well."""
    outbox_max_backoff_s: float = Field(default=5.0, gt=0)
    # Faults (docs/adr/0009): a failed batch is retried after a capped exponential backoff; a
    # bug (an unexpected exception) is retried this many times before its message is
    # dead-lettered. Database connects and statements time out rather than hang.
    consumer_retry_initial_s: float = Field(default=0.1, gt=0)
    consumer_retry_max_s: float = Field(default=5.0, gt=0)
    consumer_max_bug_attempts: int = Field(default=5, ge=0)
    rewind_poll_s: float = Field(default=2.0, gt=0)
    database_connect_timeout_s: float = Field(default=5.0, gt=0)
    database_command_timeout_s: float = Field(default=60.0, gt=0)
    ready_timeout_s: float = Field(default=3.0, gt=0)
    retry_after_s: int = Field(default=2, ge=1)
    # HTTP worker processes of `lead serve` (each with its own pool, relay and consumers).
    workers: int = Field(default=1, ge=1)
    # A known token is remembered this long (a revoked one stops working within this time).
    token_cache_s: float = Field(default=5.0, ge=0)
    # Fault injection for the fault-injection run (`make chaos`) only: the probability that
    # the outbox relay kills its own process between publishing a batch and marking it sent.
    fault_relay_crash_after_publish: float = Field(default=0.0, ge=0, le=1)

    # --- Secured connections (deploy/, docs/operations.md). Every setting can also come from a
    # file: LEAD_<NAME>_FILE=/path, as Kubernetes mounts secrets. PostgreSQL TLS goes in the
    # DSN (?sslmode=verify-full&sslrootcert=/path/ca.crt). Kafka options reach every client
    # through services.platform.kafka.kafka_client_options.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_file: Path | None = None
    """CA bundle that signed the brokers' certificates; unset: the system's trusted CAs."""

    # --- Pages for people (docs/adr/0040): a person signs in with a personal token and gets a
    # session (server-side, one row per session). It ends after `session_idle_minutes` without
    # a request, after `session_max_hours` whatever happens, at sign-out, or when the token is
    # revoked. The cookie is Secure when the request came over TLS (unset), or as set here
    # (true behind a proxy that terminates TLS and does not forward the scheme).
    session_idle_minutes: int = Field(default=30, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    session_cookie_secure: bool | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit values, then ``LEAD_*`` variables, then ``LEAD_*_FILE`` files."""
        files = SecretFilesSource(settings_cls, prefix="LEAD_")
        return (init_settings, env_settings, files, dotenv_settings, file_secret_settings)

    def database_url_for(self, service: str) -> str:
        explicit: str | None = getattr(self, f"{service}_database_url", None)
        if explicit:
            return explicit
        return with_database(self.database_url, f"lead_{service}")


def with_database(url: str, database: str) -> str:
    """The same server URL, pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@lru_cache
def get_settings() -> Settings:
    return Settings()
