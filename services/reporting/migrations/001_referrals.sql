-- One row per referral (re-referrals are separate referrals), for the published tables.
CREATE TABLE referrals (
    referral_id      uuid PRIMARY KEY,
    participant_id   uuid        NOT NULL,
    site             text        NOT NULL,
    pathway          text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active',
    referred_at      timestamptz NOT NULL,
    is_re_referral   boolean     NOT NULL,
    gender           text        NOT NULL DEFAULT 'unknown',
    ethnicity        text        NOT NULL DEFAULT 'unknown',
    age_at_referral  integer
);
