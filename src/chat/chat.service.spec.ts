import { AppError } from '../common/http/error-codes';
import type { AppConfig } from '../config/config';
import type { AuthContext } from '../auth/principal';
import { ChatService } from './chat.service';
import { LiveTurn, TurnRegistry } from './turn-registry';
import { Deletions } from '../common/deletions';

const AGENT_ID = '11111111-1111-4111-8111-111111111111';
const SESSION_ID = '22222222-2222-4222-8222-222222222222';
const ctx = {
  tenant: { id: 'tenant-1', slug: 'acme', schema: 'tenant_acme' },
  principal: { type: 'user', id: 'user-1', role: 'member' },
  requestId: 'req_test',
} as unknown as AuthContext;
const session = { id: SESSION_ID, agent_id: AGENT_ID, owner_type: 'user', owner_id: 'user-1' };
const foreignKeyViolation = Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503' });

/**
 * A chat turn's set-up reads (session, agent, examples) and then stores the user message in its own
 * statement, while the model is already called: what was read may be deleted in between. These stub
 * the database so that the write fails the way PostgreSQL does then, and check the caller gets a 404,
 * the model call is stopped, nothing else is written and the session is free again.
 */
function service(write: jest.Mock) {
  // The model: answers only when its call is aborted (as a provider does), and says it was.
  const modelCalls: AbortSignal[] = [];
  const execution = {
    converse: jest.fn((_tenant: unknown, _agent: unknown, _messages: unknown, options: { signal: AbortSignal }) => {
      modelCalls.push(options.signal);
      return new Promise((resolve) => {
        const done = () => resolve({ content: '', status: 'interrupted', error: null, steps: [], blocked: [], decisions: [], usage: { promptTokens: 0, completionTokens: 0 } });
        if (options.signal.aborted) done();
        else options.signal.addEventListener('abort', done, { once: true });
      });
    }),
  };
  const db = { select: jest.fn().mockResolvedValue([]), write, run: jest.fn() };
  const agent = { id: AGENT_ID, status: 'active', tools: [], name: 'A', role: 'R', systemPrompt: null };
  const agents = { readWithPromptContext: jest.fn().mockResolvedValue({ agent, examples: [], recalled: [] }) };
  const sessions = { readVisible: jest.fn().mockResolvedValue(session), canSee: () => true };
  const registry = new TurnRegistry({ chatResumeGraceMs: 1000 } as AppConfig, new Deletions());
  const chat = new ChatService(db as never, agents as never, execution as never, sessions as never, registry, { chatHistoryTokens: 4000 } as AppConfig);
  return { chat, registry, db, modelCalls };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('ChatService turn set-up when the store of the user message fails', () => {
  it('answers AGENT_NOT_FOUND when the agent was deleted before its new session was created', async () => {
    const { chat, registry, db, modelCalls } = service(jest.fn().mockRejectedValue(foreignKeyViolation));
    const started = jest.spyOn(registry, 'start');
    const error = await failure(chat.chat(ctx, { agentId: AGENT_ID, message: 'hello there' }, () => undefined));
    expect(error.code).toBe('AGENT_NOT_FOUND');
    // The model had been called alongside the write: its call is stopped, and nothing is stored after it.
    expect(modelCalls).toHaveLength(1);
    expect(modelCalls[0].aborted).toBe(true);
    const turn = started.mock.calls[0][0];
    await turn.ended;
    expect(turn.final?.event).toBe('error');
    expect(db.run).not.toHaveBeenCalled();
    expect(db.write).toHaveBeenCalledTimes(1);
    await registry.beforeApplicationShutdown();
  });

  it('answers NOT_FOUND for a session deleted after it was read, and frees the session for the next turn', async () => {
    const { chat, registry } = service(jest.fn().mockRejectedValue(foreignKeyViolation));
    const error = await failure(chat.chat(ctx, { sessionId: SESSION_ID, message: 'hello again' }, () => undefined));
    expect(error.code).toBe('NOT_FOUND');
    expect(registry.busyTurnOf('tenant-1', SESSION_ID)).toBeUndefined();
  });

  it('lets any other database error through unchanged', async () => {
    const { chat } = service(jest.fn().mockRejectedValue(new Error('connection terminated')));
    await expect(chat.chat(ctx, { sessionId: SESSION_ID, message: 'hello' }, () => undefined)).rejects.toThrow('connection terminated');
  });
});

describe('ChatService.cancel', () => {
  /** A live turn whose model ignores the cancel: it had already answered, and its answer is being stored complete. */
  function finishingTurn(registry: TurnRegistry): LiveTurn {
    const turn = new LiveTurn('33333333-3333-4333-8333-333333333333', { tenantId: 'tenant-1', sessionId: SESSION_ID, agentId: AGENT_ID, ownerType: 'user', ownerId: 'user-1' });
    turn.open({ session_id: SESSION_ID, turn_id: turn.id });
    registry.start(turn, async (live) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const message = { id: 'm1', session_id: SESSION_ID, turn_id: live.id, role: 'assistant', content: 'Done.', status: 'complete', interrupted_reason: null };
      live.finish('done', { message, episode_id: 'e1', usage: { prompt_tokens: 1, completion_tokens: 1 } });
    });
    return turn;
  }

  it('is 409 when the model finished just before the cancel arrived: the answer was stored complete, not cancelled', async () => {
    const { chat, registry } = service(jest.fn());
    const turn = finishingTurn(registry);
    const error = await failure(chat.cancel(ctx, turn.id));
    expect(error.code).toBe('CONFLICT');
    expect(error.details).toMatchObject({ turn_id: turn.id, status: 'complete' });
    await registry.beforeApplicationShutdown();
  });
});
