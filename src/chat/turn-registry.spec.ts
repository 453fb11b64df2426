import type { AppConfig } from '../config/config';
import { END, LiveTurn, TurnRegistry, type TurnEvent } from './turn-registry';

const owner = { tenantId: 't', sessionId: 's', agentId: 'a', ownerType: 'user' as const, ownerId: 'u' };

function registry(graceMs: number): TurnRegistry {
  return new TurnRegistry({ chatResumeGraceMs: graceMs, shutdownGraceMs: 1000 } as AppConfig);
}

/** A turn that only ends when aborted (or finished by the test). */
function startIdle(reg: TurnRegistry, id = 'turn-1'): LiveTurn {
  const turn = new LiveTurn(id, owner);
  turn.push('session', { turn_id: id });
  reg.start(turn, async (live) => {
    await new Promise<void>((resolve) => live.abort.signal.addEventListener('abort', () => resolve()));
    live.finish('done', { reason: live.interruptReason });
  });
  return turn;
}

describe('TurnRegistry', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('replays the events after a sequence number, then delivers live ones; ids are <turn>:<n> and <turn>:end', () => {
    const reg = registry(1000);
    const turn = startIdle(reg);
    turn.push('delta', { content: 'a' });
    turn.push('delta', { content: 'b' });
    const got: Array<TurnEvent | null> = [];
    reg.attach(turn, 1, (event) => got.push(event));
    turn.push('delta', { content: 'c' });
    turn.finish('done', {});
    expect(got.map((e) => e && e.seq)).toEqual([2, 3, END, null]);
    expect(got[0]!.frame).toBe('id: turn-1:2\nevent: delta\ndata: {"content":"b"}\n\n');
    expect(got[2]!.frame).toMatch(/^id: turn-1:end\nevent: done\n/);
  });

  it('aborts a turn whose last client left once the grace period is over, not before', async () => {
    const reg = registry(1000);
    const turn = startIdle(reg);
    const detach = reg.attach(turn, -1, () => undefined);
    detach();
    jest.advanceTimersByTime(999);
    expect(turn.abort.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(turn.interruptReason).toBe('client_gone');
    await Promise.resolve();
  });

  it('a client coming back within the grace period keeps the turn going', () => {
    const reg = registry(1000);
    const turn = startIdle(reg);
    reg.attach(turn, -1, () => undefined)();
    jest.advanceTimersByTime(500);
    reg.attach(turn, 0, () => undefined);
    jest.advanceTimersByTime(5000);
    expect(turn.abort.signal.aborted).toBe(false);
  });

  it('one unfinished turn per session; the claim ends with the turn, the turn leaves memory after the grace period', async () => {
    const reg = registry(1000);
    expect(reg.claimSession('t', 's', 'turn-1')).toBe(true);
    const turn = startIdle(reg);
    expect(reg.claimSession('t', 's', 'turn-2')).toBe(false);
    reg.interrupt(turn, 'cancelled');
    await turn.ended;
    await Promise.resolve();
    expect(turn.final).toEqual({ event: 'done', data: { reason: 'cancelled' } });
    expect(reg.claimSession('t', 's', 'turn-2')).toBe(true);
    expect(reg.get('turn-1')).toBe(turn);
    jest.advanceTimersByTime(1000);
    expect(reg.get('turn-1')).toBeUndefined();
  });
});
