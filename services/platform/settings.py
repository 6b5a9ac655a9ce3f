"""Runtime settings, read from environment variables prefixed with ``LEAD_``."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    kafka_enable_idempotence: bool = False
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    kafka_fetch_max_wait_ms: int = 50
    consumer_batch_max_records: int = Field(default=500, ge=1)
    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_interval_s: float = Field(default=0.05, gt=0)
    outbox_max_backoff_s: float = Field(default=5.0, gt=0)

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
