-- Pseudonymous participants known to intake (the identity itself is never stored in clear).
CREATE TABLE participants (
    participant_id    uuid PRIMARY KEY,
    first_referral_id uuid        NOT NULL,
    referral_count    integer     NOT NULL DEFAULT 1,
    first_seen_at     timestamptz NOT NULL DEFAULT now()
);
