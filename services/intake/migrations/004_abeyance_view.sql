-- What abeyance's events (lead.abeyance.events) told intake of each pre-booking referral's
-- abeyance: the caseload's deadlines (docs/adr/0041). Disposable: a rewind rebuilds it.
CREATE TABLE abeyance_view (
    referral_id          uuid PRIMARY KEY,
    state                text        NOT NULL,
    deadline_at          timestamptz,
    completion_condition text[]      NOT NULL DEFAULT '{}',
    rescinded            boolean     NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The caseload lists a site's referrals, the most recently referred first. The moment is kept
-- as a column (written with the view): the view's ISO text may carry a UTC offset that Python
-- accepts and PostgreSQL's timestamptz input does not (beyond +-15:59), so it is never cast in
-- a query. Existing rows are filled where PostgreSQL can read them; the others sort last until
-- their referral's next event.
ALTER TABLE referral_view ADD COLUMN referred_at timestamptz;
DO $$
DECLARE
    row record;
BEGIN
    FOR row IN SELECT referral_id, state->>'referred_at' AS referred FROM referral_view LOOP
        BEGIN
            UPDATE referral_view SET referred_at = row.referred::timestamptz
            WHERE referral_id = row.referral_id;
        EXCEPTION WHEN others THEN
            NULL;
        END;
    END LOOP;
END $$;
CREATE INDEX referral_view_site_referred ON referral_view (site, referred_at DESC NULLS LAST);
