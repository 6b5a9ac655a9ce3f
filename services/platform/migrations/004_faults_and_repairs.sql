-- Message keys are bytes (a partner's key is kept byte for byte in dead-letter and rejected
-- copies; Kafka allows no key at all), and rows holding personal data (rejected inbound
-- submissions and their dead letters carry names and dates of birth) are deleted once published.
ALTER TABLE outbox ALTER COLUMN key DROP NOT NULL;
ALTER TABLE outbox ALTER COLUMN key TYPE bytea USING convert_to(key, 'UTF8');
ALTER TABLE outbox ADD COLUMN personal boolean NOT NULL DEFAULT false;
DELETE FROM outbox
 WHERE sent_at IS NOT NULL AND topic IN ('lead.inbound.rejected', 'lead.inbound.referrals.dlq');
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- A claim is either an applied message or a dead-lettered one (dead letters survive a rebuild,
-- so a rebuild equals live operation; `lead dlq replay` releases a dead letter's claim).
ALTER TABLE processed_events ADD COLUMN outcome text NOT NULL DEFAULT 'applied';

-- `lead consumer rewind`: each request bumps the consumer's generation; a running consumer
-- that sees a new generation seeks back to the positions recorded here.
CREATE TABLE consumer_rewinds (
    consumer     text PRIMARY KEY,
    generation   bigint      NOT NULL DEFAULT 0,
    requested_at timestamptz
);

-- `lead dlq replay`: which dead letters were replayed to their original topic (a second replay
-- of the same dead letter publishes nothing).
CREATE TABLE dlq_replays (
    dlq_topic   text        NOT NULL,
    partition   integer     NOT NULL,
    "offset"    bigint      NOT NULL,
    consumer    text        NOT NULL,
    replayed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_topic, partition, "offset")
);
