-- What abeyance's events (lead.abeyance.events) told intake of each pre-booking referral's
-- abeyance: the caseload's deadlines (docs/adr/0031). Disposable: a rewind rebuilds it.
CREATE TABLE abeyance_view (
    referral_id          uuid PRIMARY KEY,
    state                text        NOT NULL,
    deadline_at          timestamptz,
    completion_condition text[]      NOT NULL DEFAULT '{}',
    rescinded            boolean     NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- The caseload lists the referrals of a case manager's sites.
CREATE INDEX referral_view_site ON referral_view (site);
