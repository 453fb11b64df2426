import type { ActionContext, ActionDefinition } from '../actions';

export interface SendWebhookEventArgs {
  name: string;
  data?: Record<string, unknown>;
}

/** What the agent's event becomes: an `agent.event` webhook to the tenant's subscribers. */
export interface AgentEvent {
  agent_id: string;
  execution_id: string;
  name: string;
  data: Record<string, unknown>;
}

/** Writes the event to the tenant's webhook outbox (its own unit of work); answers the event id and how many subscriptions will get it. */
export type EmitAgentEvent = (ctx: ActionContext, event: AgentEvent) => Promise<{ event_id: string; deliveries: number }>;

const EVENT_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
export const MAX_EVENT_DATA_BYTES = 16 * 1024;

/**
 * Tells the tenant's other systems something happened: an `agent.event` webhook (`{agent_id,
 * execution_id, name, data}`) to every subscription of `agent.event` or `*`, signed and retried like
 * any other. State-changing (3): other systems act on it. Simulated (exams), it only says what it
 * would send.
 */
export function sendWebhookEventAction(emit: EmitAgentEvent): ActionDefinition<SendWebhookEventArgs> {
  return {
    name: 'send_webhook_event',
    description:
      'Notify the organisation’s other systems through its webhooks: sends an `agent.event` with your event `name` ' +
      '(e.g. "ticket.escalated") and a JSON object `data`. Use it when a task says to notify, alert or hand over.',
    parameters: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Event name: lowercase letters, digits, . _ -; e.g. "invoice.flagged".', minLength: 1, maxLength: 64 },
        data: { type: 'object', description: 'What receivers need to act on it (at most 16 KiB as JSON).' },
      },
      required: ['name'],
    },
    complexity: 3,
    async run(args, ctx) {
      if (!EVENT_NAME.test(args.name)) throw new Error('send_webhook_event: name must be lowercase letters, digits, . _ - (starting with a letter)');
      const data = args.data ?? {};
      if (Buffer.byteLength(JSON.stringify(data)) > MAX_EVENT_DATA_BYTES) {
        throw new Error(`send_webhook_event: data may not exceed ${MAX_EVENT_DATA_BYTES} bytes as JSON`);
      }
      const event: AgentEvent = { agent_id: ctx.agentId, execution_id: ctx.executionId, name: args.name, data };
      if (ctx.simulate) return { simulated: true, event: 'agent.event', would_send: event };
      const { event_id, deliveries } = await emit(ctx, event);
      return { sent: true, event: 'agent.event', event_id, subscriptions: deliveries };
    },
  };
}
