-- A stored answer says what the write did in the application's words, not as an HTTP status
-- (the same answers serve the inbound topic).
ALTER TABLE idempotency_keys ADD COLUMN outcome text NOT NULL DEFAULT 'accepted';
UPDATE idempotency_keys SET outcome = 'created' WHERE status_code = 201;
ALTER TABLE idempotency_keys DROP COLUMN status_code;
ALTER TABLE idempotency_keys ALTER COLUMN outcome DROP DEFAULT;
