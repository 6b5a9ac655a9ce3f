-- What each abeyance was told and decided, in order: its inputs (from referral events) and the
-- abeyance events decided on them. The decider's state is the fold of these facts.
CREATE TABLE abeyance_facts (
    referral_id uuid    NOT NULL,
    seq         integer NOT NULL,
    fact        jsonb   NOT NULL,
    PRIMARY KEY (referral_id, seq)
);

-- The read model of abeyances (GET /abeyances).
CREATE TABLE abeyances (
    referral_id        uuid PRIMARY KEY,
    site               text        NOT NULL,
    prosecuting_agency text        NOT NULL,
    report_number      text        NOT NULL,
    state              text        NOT NULL,
    started_at         timestamptz NOT NULL,
    deadline_at        timestamptz NOT NULL,
    outstanding        jsonb       NOT NULL,
    rescinded          boolean     NOT NULL DEFAULT false,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX abeyances_state_site ON abeyances (state, site);

-- Durable timers: one per pending abeyance, fired by any replica exactly once.
CREATE TABLE abeyance_timers (
    referral_id uuid PRIMARY KEY,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    fire_at     timestamptz NOT NULL,
    fired_at    timestamptz
);
CREATE INDEX abeyance_timers_due ON abeyance_timers (fire_at) WHERE fired_at IS NULL;

-- Notices to prosecutors, one per decision (the id is derived from referral and decision).
CREATE TABLE notices (
    notice_id          uuid PRIMARY KEY,
    referral_id        uuid        NOT NULL,
    prosecuting_agency text        NOT NULL,
    decision           text        NOT NULL,
    issued_at          timestamptz NOT NULL,
    body               jsonb       NOT NULL,
    acknowledged_at    timestamptz,
    acknowledged_by    text
);
CREATE INDEX notices_agency ON notices (prosecuting_agency, issued_at DESC);
