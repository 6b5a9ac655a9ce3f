-- People signed in to this service's pages (docs/adr/0040): the cookie holds a random session
-- id, only its hash is kept here, with the caller the sign-in token stood for and the form token
-- that every form of the session must carry (CSRF). A row goes at sign-out or once it expired.
CREATE TABLE web_sessions (
    session_hash text PRIMARY KEY,
    token_hash   text        NOT NULL,
    token_id     text        NOT NULL,
    role         text        NOT NULL,
    agency       text        NOT NULL,
    form_token   text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
