-- The event store: one stream per aggregate, optimistic concurrency by (stream_id, version).
CREATE TABLE event_store (
    position       bigserial PRIMARY KEY,
    stream_id      text        NOT NULL,
    version        integer     NOT NULL CHECK (version >= 1),
    event_id       uuid        NOT NULL UNIQUE,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    envelope       jsonb       NOT NULL,
    UNIQUE (stream_id, version)
);

-- The transactional outbox: rows written in the same transaction as the events.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    topic      text        NOT NULL,
    key        text        NOT NULL,
    headers    jsonb       NOT NULL,
    body       bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text,
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Idempotent consumers: an event applied by a consumer is recorded in the same transaction.
CREATE TABLE processed_events (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- How far each consumer has applied each partition, the latest times (occurred, recorded) of
-- the events it applied there, and whether it had then reached the partition's end (high
-- watermark): the clocks of event-time consumers.
CREATE TABLE consumer_positions (
    consumer   text   NOT NULL,
    topic      text   NOT NULL,
    partition  integer NOT NULL,
    "offset"   bigint NOT NULL,
    event_time timestamptz,
    recorded_time timestamptz,
    caught_up  boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);
