-- Identities, encrypted per participant; wrapped_key NULL means forgotten (crypto-shredded).
CREATE TABLE identities (
    participant_id uuid PRIMARY KEY,
    wrapped_key    bytea,
    ciphertext     bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    forgotten_at   timestamptz
);
