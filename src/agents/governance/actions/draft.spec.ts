import { ActionRegistry, type ActionContext } from '../actions';
import { buildDraft, draftAction } from './draft';

const ctx: ActionContext = { tenantSlug: 'acme', agentId: 'a', executionId: 'e', simulate: false };

describe('buildDraft', () => {
  it('records the body the model wrote, with its title', () => {
    expect(buildDraft({ instructions: 'Reply to Ann', title: ' Re: invoice ', body: ' Dear Ann, … ' })).toEqual({ title: 'Re: invoice', body: 'Dear Ann, …' });
  });

  it('omits an empty title', () => {
    expect(buildDraft({ instructions: 'x', title: '  ', body: 'text' })).toEqual({ body: 'text' });
  });

  it('outlines from instructions and context when there is no body', () => {
    expect(buildDraft({ instructions: 'Announce the launch', context: 'Launch is on Monday' })).toEqual({
      body: 'Draft: Announce the launch\n\nContext: Launch is on Monday',
    });
    expect(buildDraft({ instructions: 'Announce the launch', body: '   ' })).toEqual({ body: 'Draft: Announce the launch' });
  });
});

describe('draft action', () => {
  const registry = new ActionRegistry([draftAction]);

  it('is low-risk (2): it has no side effect', () => {
    expect(registry.complexity('draft', {})).toBe(2);
  });

  it('returns the draft, the same in a simulated run', async () => {
    const args = { instructions: 'Thank the team', body: 'Thanks, all.' };
    await expect(registry.run('draft', args, ctx)).resolves.toEqual({ body: 'Thanks, all.' });
    await expect(registry.run('draft', args, { ...ctx, simulate: true })).resolves.toEqual({ body: 'Thanks, all.' });
  });

  it('needs instructions', async () => {
    await expect(registry.run('draft', { body: 'x' }, ctx)).rejects.toThrow('Invalid arguments for draft: instructions: is required');
  });
});
