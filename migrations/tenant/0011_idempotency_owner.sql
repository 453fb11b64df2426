-- An Idempotency-Key belongs to its caller, not to the whole tenant: `owner` is the principal
-- (`user:<id>` or `api_key:<id>`) and is part of the primary key, so the same key string sent by
-- another caller is another key (it neither replays nor conflicts). The stored response is now kept
-- sealed (AES-256-GCM with ENCRYPTION_KEY, the webhook secrets' box) in `response_sealed`: it can
-- hold what is shown once, such as a generated webhook secret.
-- Existing rows are deleted, not kept under an owner nobody matches: they have no owner and their
-- bodies are in plain text, which is what must not stay readable; they would expire within 24 h
-- anyway. A client retrying one of those keys runs its request again, as with an expired key.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys DROP COLUMN response_body;
ALTER TABLE idempotency_keys ADD COLUMN owner text NOT NULL;
ALTER TABLE idempotency_keys ADD COLUMN response_sealed text;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (owner, key);
