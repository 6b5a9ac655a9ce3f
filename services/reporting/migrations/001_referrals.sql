-- Reporting's read model: one table per grain, shaped for set-based SQL.

-- One row per referral (a re-referral is a referral of its own).
CREATE TABLE referrals (
    referral_id      uuid PRIMARY KEY,
    participant_id   uuid        NOT NULL,
    site             text        NOT NULL,
    pathway          text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active',
    referred_at      timestamptz NOT NULL,
    referred_on      date        NOT NULL,
    is_re_referral   boolean     NOT NULL,
    gender           text        NOT NULL DEFAULT 'unknown',
    ethnicity        text        NOT NULL DEFAULT 'unknown',
    reported_gender    text,  -- as reported with the referral itself (NULL: not reported)
    reported_ethnicity text,
    age_at_referral  integer,
    withdrew_at      timestamptz,
    position         bigint      NOT NULL
);
CREATE INDEX referrals_participant ON referrals (participant_id);

-- The latest self-reported demographics recorded for a participant (DemographicsRecorded).
CREATE TABLE participant_demographics (
    participant_id uuid PRIMARY KEY,
    gender         text        NOT NULL,
    ethnicity      text        NOT NULL,
    reported_at    timestamptz NOT NULL
);

CREATE TABLE naloxone_distributions (
    distribution_id uuid PRIMARY KEY,
    channel         text    NOT NULL,
    kits            integer NOT NULL,
    doses           integer NOT NULL,
    distributed_on  date    NOT NULL,
    position        bigint  NOT NULL
);

CREATE TABLE naloxone_uses (
    report_id   uuid PRIMARY KEY,
    channel     text    NOT NULL,
    uses        integer NOT NULL,
    reported_on date    NOT NULL,
    position    bigint  NOT NULL
);

-- One row per pre-booking abeyance, in its current (final) state.
CREATE TABLE abeyances (
    referral_id        uuid PRIMARY KEY,
    prosecuting_agency text        NOT NULL,
    state              text        NOT NULL DEFAULT 'pending',
    started_at         timestamptz NOT NULL,
    deadline_at        timestamptz NOT NULL,
    declined_at        timestamptz,
    decided_at         timestamptz,
    rescinded          boolean     NOT NULL DEFAULT false,
    position           bigint      NOT NULL
);

-- The outcome evaluation: subjects, their justice contacts and probation spells.
CREATE TABLE cohort_members (
    subject_id          uuid PRIMARY KEY,
    cohort              text    NOT NULL,
    site                text    NOT NULL,
    index_date          date    NOT NULL,
    age                 integer NOT NULL,
    gender              text    NOT NULL,
    ethnicity           text    NOT NULL,
    prior_arrests_12mo  integer NOT NULL,
    position            bigint  NOT NULL
);

CREATE TABLE justice_contacts (
    event_id    uuid PRIMARY KEY,
    subject_id  uuid   NOT NULL,
    kind        text   NOT NULL,
    occurred_on date   NOT NULL,
    position    bigint NOT NULL
);
CREATE INDEX justice_contacts_subject ON justice_contacts (subject_id);

CREATE TABLE probation_spells (
    event_id   uuid PRIMARY KEY,
    subject_id uuid   NOT NULL,
    start_on   date   NOT NULL,
    end_on     date   NOT NULL,
    position   bigint NOT NULL
);
CREATE INDEX probation_spells_subject ON probation_spells (subject_id);

-- The report position: how many events the projection has applied (one counter, so that a
-- rebuild from the same log reaches the same number).
CREATE TABLE projection_position (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    position bigint  NOT NULL
);
INSERT INTO projection_position (position) VALUES (0);
