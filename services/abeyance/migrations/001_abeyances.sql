-- Abeyances of pre-booking referrals, as the abeyance service knows them.
CREATE TABLE abeyances (
    referral_id        uuid PRIMARY KEY,
    site               text        NOT NULL,
    prosecuting_agency text        NOT NULL,
    report_number      text        NOT NULL,
    referred_at        timestamptz NOT NULL,
    state              text        NOT NULL DEFAULT 'pending',
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
