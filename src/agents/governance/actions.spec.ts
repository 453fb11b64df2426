import { ActionArgumentsError, ActionRegistry, builtInActions, type ActionContext, type ActionDefinition } from './actions';

const ctx: ActionContext = { tenantSlug: 'acme', agentId: 'agent-1', executionId: 'exec-1', simulate: false };

function echo(overrides: Partial<ActionDefinition<{ text: string }>> = {}): ActionDefinition<{ text: string }> {
  return {
    name: 'echo_text',
    description: 'Echo',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    complexity: 1,
    run: async (args) => ({ echoed: args.text }),
    ...overrides,
  };
}

describe('ActionRegistry', () => {
  it('registers, finds and lists actions in registration order', () => {
    const registry = new ActionRegistry().register(echo()).register(echo({ name: 'post_text', complexity: 3 }));
    expect(registry.has('echo_text')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('echo_text')?.description).toBe('Echo');
    expect(registry.list().map((action) => action.name)).toEqual(['echo_text', 'post_text']);
  });

  it('takes definitions in the constructor', () => {
    expect(new ActionRegistry([echo()]).has('echo_text')).toBe(true);
  });

  it('refuses a duplicate name', () => {
    const registry = new ActionRegistry([echo()]);
    expect(() => registry.register(echo())).toThrow("Action 'echo_text' is already registered");
  });

  it.each(['', 'Echo', '1echo', 'echo-text', 'echo text', 'e'.repeat(65)])('refuses the name %p', (name) => {
    expect(() => new ActionRegistry().register(echo({ name }))).toThrow(/must match/);
  });

  it('refuses parameters that are not an object schema, and a bad fixed complexity', () => {
    expect(() => new ActionRegistry().register(echo({ parameters: { type: 'string' } }))).toThrow(/type object/);
    expect(() => new ActionRegistry().register(echo({ complexity: 5 as 1 }))).toThrow(/complexity must be/);
  });

  it('gives tool specs for the names asked, in that order, once each', () => {
    const registry = new ActionRegistry([echo(), echo({ name: 'post_text', description: 'Post' })]);
    expect(registry.toolSpecs(['post_text', 'echo_text', 'post_text'])).toEqual([
      { name: 'post_text', description: 'Post', parameters: echo().parameters },
      { name: 'echo_text', description: 'Echo', parameters: echo().parameters },
    ]);
    expect(registry.toolSpecs([])).toEqual([]);
    expect(() => registry.toolSpecs(['ghost'])).toThrow("Unknown action 'ghost'");
  });

  describe('complexity', () => {
    const registry = new ActionRegistry([
      echo({ name: 'delete_nothing', complexity: 1 }),
      {
        name: 'call_api',
        description: 'x',
        parameters: { type: 'object' },
        complexity: (args: { method?: unknown }) => (args.method === 'GET' ? 1 : 3),
        run: async () => null,
      },
      { name: 'throws', description: 'x', parameters: { type: 'object' }, complexity: () => { throw new Error('boom'); }, run: async () => null },
      { name: 'nonsense', description: 'x', parameters: { type: 'object' }, complexity: () => 9 as 1, run: async () => null },
    ]);

    it('uses the registered value, not the verb', () => {
      expect(registry.complexity('delete_nothing', {})).toBe(1);
    });

    it('evaluates a complexity function with the arguments', () => {
      expect(registry.complexity('call_api', { method: 'GET' })).toBe(1);
      expect(registry.complexity('call_api', { method: 'POST' })).toBe(3);
      expect(registry.complexity('call_api')).toBe(3);
    });

    it('fails closed (4) when the function throws or answers nonsense', () => {
      expect(registry.complexity('throws', {})).toBe(4);
      expect(registry.complexity('nonsense', {})).toBe(4);
    });

    it('falls back to the verb rule for an unregistered name', () => {
      expect(registry.complexity('delete_invoice', {})).toBe(4);
      expect(registry.complexity('list_things', {})).toBe(1);
      expect(registry.complexity('mystery', {})).toBe(2);
    });
  });

  describe('running', () => {
    it('runs an action with its context', async () => {
      const seen: ActionContext[] = [];
      const registry = new ActionRegistry([echo({ run: async (args, context) => (seen.push(context), args.text) })]);
      await expect(registry.get('echo_text')!.run({ text: 'hi' }, ctx)).resolves.toBe('hi');
      await expect(registry.run('echo_text', { text: 'again' }, ctx)).resolves.toBe('again');
      expect(seen).toEqual([ctx, ctx]);
    });

    it('validates arguments before run, whichever way the action is called', async () => {
      const run = jest.fn(async () => 'ran');
      const registry = new ActionRegistry([echo({ run })]);
      await expect(registry.get('echo_text')!.run({ text: 3 }, ctx)).rejects.toThrow(
        new ActionArgumentsError('echo_text', ['text: must be a string, got integer']),
      );
      await expect(registry.run('echo_text', {}, ctx)).rejects.toBeInstanceOf(ActionArgumentsError);
      await expect(registry.run('echo_text', null, ctx)).rejects.toThrow('Invalid arguments for echo_text: arguments: must be an object, got null');
      await expect(registry.run('echo_text', ['text'], ctx)).rejects.toBeInstanceOf(ActionArgumentsError);
      expect(run).not.toHaveBeenCalled();
    });

    it('passes an action failure through as a rejected promise', async () => {
      const registry = new ActionRegistry([echo({ run: async () => { throw new Error('upstream down'); } })]);
      await expect(registry.run('echo_text', { text: 'x' }, ctx)).rejects.toThrow('upstream down');
    });

    it('turns a synchronous throw inside run into a rejection too', async () => {
      const registry = new ActionRegistry([echo({ run: (() => { throw new Error('sync'); }) as never })]);
      await expect(registry.run('echo_text', { text: 'x' }, ctx)).rejects.toThrow('sync');
    });

    it('refuses an unknown action', async () => {
      await expect(new ActionRegistry().run('ghost', {}, ctx)).rejects.toThrow("Unknown action 'ghost'");
    });

    it('keeps `this` for an action written as a class', async () => {
      class Counter implements ActionDefinition<{ method?: string }> {
        name = 'count_calls';
        description = 'x';
        parameters = { type: 'object' };
        calls = 0;
        risky = 3 as const;
        complexity(args: { method?: string }) {
          return args.method === 'GET' ? 1 : this.risky;
        }
        async run() {
          this.calls += 1;
          return this.calls;
        }
      }
      const registry = new ActionRegistry([new Counter()]);
      await expect(registry.run('count_calls', {}, ctx)).resolves.toBe(1);
      await expect(registry.run('count_calls', {}, ctx)).resolves.toBe(2);
      expect(registry.complexity('count_calls', { method: 'GET' })).toBe(1);
      expect(registry.complexity('count_calls', {})).toBe(3);
    });
  });
});

describe('builtInActions', () => {
  const registry = new ActionRegistry(
    builtInActions({
      recall: async () => [],
      http: { allowPrivate: false, requireHttps: true, lookup: async () => [{ address: '10.0.0.1', family: 4 }] },
      emitEvent: async () => ({ event_id: 'e', deliveries: 0 }),
    }),
  );

  it('registers the issue 3 actions with their complexities', () => {
    expect(registry.list().map((action) => action.name)).toEqual(['summarize', 'draft', 'memory_search', 'http_request', 'send_webhook_event']);
    expect(registry.complexity('summarize', {})).toBe(1);
    expect(registry.complexity('draft', {})).toBe(2);
    expect(registry.complexity('memory_search', {})).toBe(1);
    expect(registry.complexity('http_request', { url: 'https://example.com' })).toBe(1);
    expect(registry.complexity('http_request', { url: 'https://example.com', method: 'GET' })).toBe(1);
    expect(registry.complexity('http_request', { url: 'https://example.com', method: 'POST' })).toBe(3);
    expect(registry.complexity('http_request', { url: 'https://example.com', method: 'DELETE' })).toBe(3);
    expect(registry.complexity('send_webhook_event', { name: 'x' })).toBe(3);
  });

  it('gives each a tool spec a model can use', () => {
    for (const spec of registry.toolSpecs(registry.list().map((action) => action.name))) {
      expect(spec.description.length).toBeGreaterThan(10);
      expect(spec.parameters).toMatchObject({ type: 'object', properties: expect.any(Object), required: expect.any(Array) });
      expect(JSON.parse(JSON.stringify(spec.parameters))).toEqual(spec.parameters);
    }
  });
});
