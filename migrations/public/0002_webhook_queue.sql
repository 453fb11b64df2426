-- The delivery queue of webhooks across all tenants: only ids and times, so that one worker query finds
-- due work for every tenant (FOR UPDATE SKIP LOCKED). The deliveries themselves (payload, status,
-- errors) and the subscriptions (URL, secret) stay in the tenant's schema.
CREATE TABLE public.webhook_queue (
  delivery_id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  -- Event order: deliveries due at the same time are attempted in insertion order.
  seq bigserial NOT NULL,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- Set while a worker holds the delivery; a worker that dies leaves it to be claimed again after this.
  locked_until timestamptz
);
CREATE INDEX webhook_queue_due ON public.webhook_queue (next_attempt_at, seq);
CREATE INDEX webhook_queue_tenant ON public.webhook_queue (tenant_id);
