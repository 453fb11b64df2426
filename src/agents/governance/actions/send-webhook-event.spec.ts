import { ActionArgumentsError, ActionRegistry } from '../actions';
import { sendWebhookEventAction, type AgentEvent } from './send-webhook-event';

describe('send_webhook_event', () => {
  const ctx = { tenantSlug: 'acme', agentId: 'agent-1', executionId: 'exec-1', simulate: false };

  function registryWith(emitted: AgentEvent[]) {
    return new ActionRegistry([
      sendWebhookEventAction(async (_ctx, event) => {
        emitted.push(event);
        return { event_id: 'evt-1', deliveries: 2 };
      }),
    ]);
  }

  it('is state-changing (3) and emits agent.event with the agent, the execution, the name and the data', async () => {
    const emitted: AgentEvent[] = [];
    const registry = registryWith(emitted);
    expect(registry.complexity('send_webhook_event', { name: 'x' })).toBe(3);
    const result = await registry.get('send_webhook_event')!.run({ name: 'ticket.escalated', data: { ticket: 42 } }, ctx);
    expect(result).toEqual({ sent: true, event: 'agent.event', event_id: 'evt-1', subscriptions: 2 });
    expect(emitted).toEqual([{ agent_id: 'agent-1', execution_id: 'exec-1', name: 'ticket.escalated', data: { ticket: 42 } }]);
  });

  it('only says what it would send when simulated', async () => {
    const emitted: AgentEvent[] = [];
    const result = await registryWith(emitted).get('send_webhook_event')!.run({ name: 'done' }, { ...ctx, simulate: true });
    expect(result).toMatchObject({ simulated: true, would_send: { name: 'done', data: {} } });
    expect(emitted).toHaveLength(0);
  });

  it('refuses a bad name, a missing name and oversized data', async () => {
    const action = registryWith([]).get('send_webhook_event')!;
    await expect(action.run({ name: 'Bad Name' }, ctx)).rejects.toThrow('lowercase');
    await expect(action.run({}, ctx)).rejects.toBeInstanceOf(ActionArgumentsError);
    await expect(action.run({ name: 'big', data: { blob: 'x'.repeat(20_000) } }, ctx)).rejects.toThrow('16384 bytes');
  });
});
