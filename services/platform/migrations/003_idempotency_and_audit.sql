-- Answers to writes that carried an Idempotency-Key: the same key and body get the same answer.
CREATE TABLE idempotency_keys (
    caller       text        NOT NULL,
    key          text        NOT NULL,
    fingerprint  text        NOT NULL,
    status_code  integer     NOT NULL,
    response     jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);

-- Who read or wrote identifiable data, what, which record, when, and with what outcome.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    token_id    text        NOT NULL,
    role        text        NOT NULL,
    agency      text        NOT NULL,
    action      text        NOT NULL,
    record_type text        NOT NULL,
    record_id   text,
    outcome     text        NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);
