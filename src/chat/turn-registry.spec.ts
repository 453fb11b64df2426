import { Deletions } from '../common/deletions';
import type { AppConfig } from '../config/config';
import { END, LiveTurn, TurnRegistry } from './turn-registry';

const owner = { tenantId: 't', sessionId: 's', agentId: 'a', ownerType: 'user' as const, ownerId: 'u' };

function registry(graceMs: number, deletions = new Deletions()): TurnRegistry {
  return new TurnRegistry({ chatResumeGraceMs: graceMs, shutdownGraceMs: 1000 } as AppConfig, deletions);
}

/** A turn that only ends when aborted (or finished by the test). */
function startIdle(reg: TurnRegistry, id = 'turn-1', turnOwner = owner): LiveTurn {
  const turn = new LiveTurn(id, turnOwner);
  turn.open({ session_id: turnOwner.sessionId, turn_id: id });
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
    turn.delta('a');
    turn.delta('b "quoted"');
    const got: Array<string | null> = [];
    reg.attach(turn, 1, (frame) => got.push(frame));
    turn.delta('c');
    turn.finish('done', { ok: true });
    expect(got).toEqual([
      'id: turn-1:2\nevent: delta\ndata: {"content":"b \\"quoted\\""}\n\n',
      'id: turn-1:3\nevent: delta\ndata: {"content":"c"}\n\n',
      'id: turn-1:end\nevent: done\ndata: {"ok":true}\n\n',
      null,
    ]);
  });

  it('a replay is the frames sent live, byte for byte, from any point; nothing after the end', () => {
    const reg = registry(1000);
    const turn = startIdle(reg);
    const live: Array<string | null> = [];
    reg.attach(turn, -1, (frame) => live.push(frame));
    for (const piece of ['Hel', 'lo\n\n', ' wörld ✓']) turn.delta(piece);
    turn.finish('error', { code: 'SERVICE_UNAVAILABLE', message: 'x' });
    const sent = live.filter((frame): frame is string => frame !== null);
    // session, three deltas, end: a client that had seen event n gets exactly what followed it.
    expect(sent).toHaveLength(5);
    for (const afterSeq of [-1, 0, 1, 2, 3]) expect([...turn.framesAfter(afterSeq)]).toEqual(sent.slice(afterSeq + 1));
    expect([...turn.framesAfter(END)]).toEqual([]);
    expect(sent[0]).toBe('id: turn-1:0\nevent: session\ndata: {"session_id":"s","turn_id":"turn-1"}\n\n');
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

  it("stops at once the turns of a deleted agent, and every turn of a deleted tenant, and no one else's", () => {
    const deletions = new Deletions();
    const reg = registry(1000, deletions);
    const ofAgent = startIdle(reg, 't1', owner);
    const otherAgent = startIdle(reg, 't2', { ...owner, sessionId: 's2', agentId: 'b' });
    const otherTenant = startIdle(reg, 't3', { ...owner, tenantId: 'u', sessionId: 's3' });
    deletions.agentDeleted('t', 'a');
    expect([ofAgent, otherAgent, otherTenant].map((turn) => turn.interruptReason)).toEqual(['session_deleted', undefined, undefined]);
    deletions.agentDeleted('u', 'b');
    expect(otherAgent.interruptReason).toBeUndefined();
    deletions.tenantDeleted('t');
    expect([otherAgent.interruptReason, otherTenant.interruptReason]).toEqual(['session_deleted', undefined]);
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
