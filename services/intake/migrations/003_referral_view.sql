-- Intake's read model of each referral (kept in the transaction that appends its events).
CREATE TABLE referral_view (
    referral_id    uuid PRIMARY KEY,
    site           text        NOT NULL,
    participant_id uuid        NOT NULL,
    state          jsonb       NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
