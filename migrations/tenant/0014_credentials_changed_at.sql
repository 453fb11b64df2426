-- When a user's password last changed: access tokens issued before it are refused (their refresh
-- tokens are revoked by the change itself). NULL: never changed since this column exists.
ALTER TABLE users ADD COLUMN credentials_changed_at timestamptz;
