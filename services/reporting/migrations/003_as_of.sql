-- Reporting's read model becomes bitemporal (docs/adr/0030): every fact keeps its position and
-- the moment it became known, and a fact that changes (a referral's status, an abeyance's
-- state) keeps each of its versions with the interval it was current in, on both axes. A
-- report reads the versions valid at its cut (as of a day, or as of a position).
--
-- The earlier tables held only the current state and are replaced: after upgrading a database
-- that holds data, run `lead reporting rebuild` (projections are disposable; the log is kept).

DROP TABLE referrals, participant_demographics, abeyances, naloxone_distributions,
           naloxone_uses, cohort_members, justice_contacts, probation_spells;

-- Positions are stable: an event keeps the position it was first applied at, also when the
-- projection is rebuilt in another partition interleaving (rebuild keeps this registry).
CREATE TABLE event_positions (
    event_id uuid   PRIMARY KEY,
    position bigint NOT NULL UNIQUE
);
ALTER TABLE projection_position ADD COLUMN assigned bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN projection_position.position IS 'events applied (the report position)';
COMMENT ON COLUMN projection_position.assigned IS 'highest position ever given to an event';

-- One row per referral: what never changes about it.
CREATE TABLE referrals (
    referral_id        uuid        PRIMARY KEY,
    participant_id     uuid        NOT NULL,
    site               text        NOT NULL,
    pathway            text        NOT NULL,
    referred_at        timestamptz NOT NULL,
    referred_on        date        NOT NULL,
    is_re_referral     boolean     NOT NULL,
    reported_gender    text,  -- as reported with the referral itself (NULL: not reported)
    reported_ethnicity text,
    age_at_referral    integer,
    known_at           timestamptz NOT NULL,
    position           bigint      NOT NULL
);
CREATE INDEX referrals_participant ON referrals (participant_id);
CREATE INDEX referrals_position ON referrals (position);

-- A referral's status, one version per fact that set it (the referral itself, each status
-- change, the withdrawal), valid from its fact until the next one: [known_from, known_until)
-- on the time axis and [from_position, until_position) on the position axis.
CREATE TABLE referral_statuses (
    referral_id    uuid        NOT NULL,
    status         text        NOT NULL,
    withdrew_at    timestamptz,
    occurred_at    timestamptz NOT NULL,  -- when the fact that opened the version occurred
    known_from     timestamptz NOT NULL,
    known_until    timestamptz NOT NULL DEFAULT 'infinity',
    from_position  bigint      NOT NULL,
    until_position bigint      NOT NULL DEFAULT 9223372036854775807,
    PRIMARY KEY (referral_id, from_position)
);
CREATE INDEX referral_statuses_open ON referral_statuses (referral_id)
    WHERE until_position = 9223372036854775807;
CREATE INDEX referral_statuses_from_position ON referral_statuses (from_position);

-- Every self-report of demographics (DemographicsRecorded): the latest known one wins.
CREATE TABLE demographic_reports (
    event_id       uuid        PRIMARY KEY,
    participant_id uuid        NOT NULL,
    gender         text        NOT NULL,
    ethnicity      text        NOT NULL,
    reported_at    timestamptz NOT NULL,
    known_at       timestamptz NOT NULL,
    position       bigint      NOT NULL
);
CREATE INDEX demographic_reports_participant ON demographic_reports (participant_id);
CREATE INDEX demographic_reports_position ON demographic_reports (position);

-- One row per pre-booking abeyance, and its state in versions like a referral's status.
CREATE TABLE abeyances (
    referral_id        uuid        PRIMARY KEY,
    prosecuting_agency text        NOT NULL,
    started_at         timestamptz NOT NULL,
    deadline_at        timestamptz NOT NULL,
    known_at           timestamptz NOT NULL,
    position           bigint      NOT NULL
);
CREATE INDEX abeyances_position ON abeyances (position);
CREATE TABLE abeyance_states (
    referral_id    uuid        NOT NULL,
    state          text        NOT NULL,
    rescinded      boolean     NOT NULL DEFAULT false,
    declined_at    timestamptz,
    decided_at     timestamptz,
    known_from     timestamptz NOT NULL,
    known_until    timestamptz NOT NULL DEFAULT 'infinity',
    from_position  bigint      NOT NULL,
    until_position bigint      NOT NULL DEFAULT 9223372036854775807,
    PRIMARY KEY (referral_id, from_position)
);
CREATE INDEX abeyance_states_open ON abeyance_states (referral_id)
    WHERE until_position = 9223372036854775807;
CREATE INDEX abeyance_states_from_position ON abeyance_states (from_position);

-- Facts that never change once recorded: read as of a cut by when they became known.
CREATE TABLE naloxone_distributions (
    distribution_id uuid        PRIMARY KEY,
    channel         text        NOT NULL,
    kits            integer     NOT NULL,
    doses           integer     NOT NULL,
    distributed_on  date        NOT NULL,
    known_at        timestamptz NOT NULL,
    position        bigint      NOT NULL
);
CREATE INDEX naloxone_distributions_position ON naloxone_distributions (position);

CREATE TABLE naloxone_uses (
    report_id   uuid        PRIMARY KEY,
    channel     text        NOT NULL,
    uses        integer     NOT NULL,
    reported_on date        NOT NULL,
    known_at    timestamptz NOT NULL,
    position    bigint      NOT NULL
);
CREATE INDEX naloxone_uses_position ON naloxone_uses (position);

CREATE TABLE cohort_members (
    subject_id          uuid        PRIMARY KEY,
    cohort              text        NOT NULL,
    site                text        NOT NULL,
    index_date          date        NOT NULL,
    age                 integer     NOT NULL,
    gender              text        NOT NULL,
    ethnicity           text        NOT NULL,
    prior_arrests_12mo  integer     NOT NULL,
    known_at            timestamptz NOT NULL,
    position            bigint      NOT NULL
);
CREATE INDEX cohort_members_position ON cohort_members (position);

CREATE TABLE justice_contacts (
    event_id    uuid        PRIMARY KEY,
    subject_id  uuid        NOT NULL,
    kind        text        NOT NULL,
    occurred_on date        NOT NULL,
    known_at    timestamptz NOT NULL,
    position    bigint      NOT NULL
);
CREATE INDEX justice_contacts_subject ON justice_contacts (subject_id);
CREATE INDEX justice_contacts_position ON justice_contacts (position);

CREATE TABLE probation_spells (
    event_id   uuid        PRIMARY KEY,
    subject_id uuid        NOT NULL,
    start_on   date        NOT NULL,
    end_on     date        NOT NULL,
    known_at   timestamptz NOT NULL,
    position   bigint      NOT NULL
);
CREATE INDEX probation_spells_subject ON probation_spells (subject_id);
CREATE INDEX probation_spells_position ON probation_spells (position);
