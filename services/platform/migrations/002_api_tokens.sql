-- Callers' bearer tokens, stored hashed (SHA-256 of the token).
CREATE TABLE api_tokens (
    token_hash text PRIMARY KEY,
    role       text        NOT NULL,
    agency     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
