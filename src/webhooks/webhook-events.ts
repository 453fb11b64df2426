/**
 * The events a subscription can ask for. Adding one: name it here and emit it with WebhookEvents.emit()
 * inside the transaction of the change it reports.
 */
export const WEBHOOK_EVENTS = [
  'agent.created',
  'agent.updated',
  'agent.deleted',
  'agent.executed',
  'agent.graduated',
  'agent.promoted',
  'agent.demoted',
  // Sent by an agent's send_webhook_event action: {agent_id, execution_id, name, data}.
  'agent.event',
  'approval.requested',
  'training.completed',
  'episode.feedback',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Sent only by `POST /api/webhooks/{id}/test`, to that one subscription, whatever its `events`. */
export const TEST_EVENT = 'webhook.test';

/** `*` in a subscription's events: every event, including those added later. */
export const ALL_EVENTS = '*';

/** What a receiver gets as the request body: the reference's `{event, data, timestamp}` plus `id` and `tenant` (the slug). */
export interface WebhookEnvelope {
  id: string;
  event: string;
  data: unknown;
  timestamp: string;
  tenant: string;
}
