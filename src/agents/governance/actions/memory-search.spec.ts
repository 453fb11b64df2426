import { ActionRegistry, type ActionContext } from '../actions';
import { memorySearchAction } from './memory-search';

const ctx: ActionContext = { tenantSlug: 'acme', agentId: 'agent-7', executionId: 'e', simulate: false };

describe('memory_search action', () => {
  it('calls recall with the query, the limit (default 5) and the context, and returns its results', async () => {
    const recall = jest.fn(async () => [{ episode_id: 'ep1', task: 'refund', output: 'done', outcome: 'success' }]);
    const registry = new ActionRegistry([memorySearchAction(recall)]);
    await expect(registry.run('memory_search', { query: 'refund policy' }, ctx)).resolves.toEqual({
      results: [{ episode_id: 'ep1', task: 'refund', output: 'done', outcome: 'success' }],
    });
    await registry.run('memory_search', { query: 'x', limit: 2 }, ctx);
    expect(recall.mock.calls).toEqual([
      ['refund policy', 5, ctx],
      ['x', 2, ctx],
    ]);
  });

  it('is read-only', () => {
    expect(new ActionRegistry([memorySearchAction(async () => [])]).complexity('memory_search', {})).toBe(1);
  });

  it.each([
    [{}, 'query: is required'],
    [{ query: 'x', limit: 0 }, 'limit: must be at least 1'],
    [{ query: 'x', limit: 11 }, 'limit: must be at most 10'],
    [{ query: ['x'] }, 'query: must be a string, got array'],
  ])('refuses %p without calling recall', async (args, problem) => {
    const recall = jest.fn(async () => []);
    const registry = new ActionRegistry([memorySearchAction(recall)]);
    await expect(registry.run('memory_search', args, ctx)).rejects.toThrow(problem);
    expect(recall).not.toHaveBeenCalled();
  });

  it('passes a recall failure on as the action failure', async () => {
    const registry = new ActionRegistry([memorySearchAction(async () => Promise.reject(new Error('database unavailable')))]);
    await expect(registry.run('memory_search', { query: 'x' }, ctx)).rejects.toThrow('database unavailable');
  });
});
