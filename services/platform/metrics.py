"""Prometheus metrics shared by the services (served at ``/metrics``)."""

from prometheus_client import Counter, Gauge

EVENTS_APPENDED = Counter("lead_events_appended_total", "Events appended to the event store")
OUTBOX_PUBLISHED = Counter("lead_outbox_published_total", "Outbox messages published to Kafka")
OUTBOX_FAILURES = Counter(
    "lead_outbox_failures_total", "Failed attempts to publish outbox messages", ["fault"]
)
CONSUMED = Counter(
    "lead_consumer_messages_total", "Messages handled by consumers", ["consumer", "outcome"]
)
CONSUMER_FAILURES = Counter(
    "lead_consumer_failures_total",
    "Batches a consumer failed to apply, by fault (transient, message, bug); each is retried",
    ["consumer", "fault"],
)
DEAD_LETTERS = Counter(
    "lead_consumer_dead_letters_total",
    "Messages a consumer dead-lettered, by fault (message, bug)",
    ["consumer", "fault"],
)
CONSUMER_LAG = Gauge(
    "lead_consumer_lag",
    "Messages in a partition after the last one the consumer applied (at its last batch)",
    ["consumer", "topic", "partition"],
)
OUTBOX_PENDING = Gauge("lead_outbox_pending", "Outbox messages not yet published")
OUTBOX_OLDEST_UNSENT_AGE = Gauge(
    "lead_outbox_oldest_unsent_age_seconds", "How long the oldest unpublished outbox row waited"
)
HTTP_UNAVAILABLE = Counter(
    "lead_http_unavailable_total", "Requests answered 503 because a dependency failed", ["cause"]
)
HTTP_ERRORS = Counter("lead_http_errors_total", "Requests answered 500 (unexpected errors)")
