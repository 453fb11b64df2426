-- Trigram matching, for the indexes that serve `q` searches (ILIKE '%…%') in tenant schemas.
-- Extensions are per database, not per schema: created once here, in public, which every tenant's
-- search_path ends with (`"tenant_x", public`), so tenant migrations find gin_trgm_ops. pg_trgm is a
-- trusted extension: the database owner may create it without superuser rights. The embedded
-- database (PGlite) loads its code at start (src/database/embedded-postgres.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
