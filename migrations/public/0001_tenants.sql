-- Platform tables. Tenant data never lives here.
CREATE TABLE public.tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
  name text NOT NULL,
  plan text NOT NULL CHECK (plan IN ('free', 'solo', 'team', 'enterprise')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  max_agents integer CHECK (max_agents IS NULL OR max_agents >= 0),
  requests_per_minute integer CHECK (requests_per_minute IS NULL OR requests_per_minute > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The index that lets an API key find its tenant without a subdomain: sha256(key) -> tenant, key row.
CREATE TABLE public.api_key_index (
  key_hash text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  api_key_id uuid NOT NULL
);
CREATE INDEX api_key_index_tenant ON public.api_key_index (tenant_id);
