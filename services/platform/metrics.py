"""Prometheus metrics shared by the services (served at ``/metrics``)."""

from prometheus_client import Counter, Gauge

EVENTS_APPENDED = Counter("lead_events_appended_total", "Events appended to the event store")
OUTBOX_PUBLISHED = Counter("lead_outbox_published_total", "Outbox messages published to Kafka")
CONSUMED = Counter(
    "lead_consumer_messages_total", "Messages handled by consumers", ["consumer", "outcome"]
)
OUTBOX_PENDING = Gauge("lead_outbox_pending", "Outbox messages not yet published")
