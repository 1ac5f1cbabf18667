import { afterEach, describe, expect, it } from 'vitest';
import { compileStep, stepBudgetMs } from '../../../undercloud/agents/hub.js';
import { AgentRevokedError, InvalidStepError, StepConflictError } from '../../../undercloud/agents/errors.js';
import { hubFixture } from './hub-fixture.js';

const ok = { success: true, changed: true, outputs: { a: 1 }, attempts: 1 };
const tick = () => new Promise((r) => setImmediate(r));
/** A few event-loop turns: the hub commits its writes once per turn and acts on them after the commit. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await tick();
};
let cleanup: (() => void)[] = [];
afterEach(() => {
  cleanup.forEach((f) => f());
  cleanup = [];
});

describe('Hub dispatch', () => {
  it('stores a step before sending it, sends it when the agent says hello, resolves with the result', async () => {
    const f = await hubFixture();
    const p = f.hub.dispatch('n1', { id: 's1', kind: 'script', params: { script: 'x' } });
    expect(f.steps.get('s1')).toBeUndefined(); // stored in this turn's transaction
    await settle();
    expect(f.steps.get('s1')?.state).toBe('pending');
    const { link, session } = f.connect(f.hub, 'n1');
    expect(link.sent[0]).toMatchObject({ type: 'welcome', nodeId: 'n1' });
    await settle();
    expect(link.steps()).toEqual(['s1']);
    f.hub.flush(); // what agents report is written behind, once per event-loop turn
    expect(f.steps.get('s1')?.state).toBe('sent');
    session.receive({ type: 'ack', stepId: 's1', attempt: 1 });
    f.hub.flush();
    expect(f.steps.get('s1')?.state).toBe('running');
    session.receive({ type: 'result', stepId: 's1', outcome: ok });
    await expect(p).resolves.toMatchObject({ stepId: 's1', nodeId: 'n1', success: true, changed: true, outputs: { a: 1 } });
    expect(link.sent.at(-1)).toEqual({ type: 'resultAck', stepId: 's1' });
  });

  it('sends at once to a connected agent, in dispatch order per node', async () => {
    const f = await hubFixture();
    const { link } = f.connect(f.hub, 'n1');
    void f.hub.dispatch('n1', { id: 'a', kind: 'file' });
    void f.hub.dispatch('n1', { id: 'b', kind: 'file' });
    void f.hub.dispatch('n1', { id: 'c', kind: 'file' });
    await settle();
    expect(link.steps()).toEqual(['a', 'b', 'c']);
  });

  it('resends every unfinished step, in order, when the agent reconnects; a finished one never', async () => {
    const f = await hubFixture();
    const first = f.connect(f.hub, 'n1');
    const pa = f.hub.dispatch('n1', { id: 'a', kind: 'file' });
    void f.hub.dispatch('n1', { id: 'b', kind: 'file' });
    await settle();
    first.session.receive({ type: 'result', stepId: 'a', outcome: ok });
    await pa;
    first.session.closed();
    const second = f.connect(f.hub, 'n1');
    expect(second.link.steps()).toEqual(['b']);
  });

  it('dispatching a known id re-attaches; a finished one answers from the store; another node or kind conflicts', async () => {
    const f = await hubFixture();
    const { session } = f.connect(f.hub, 'n1');
    const p1 = f.hub.dispatch('n1', { id: 'a', kind: 'file' });
    const p2 = f.hub.dispatch('n1', { id: 'a', kind: 'file' });
    await settle();
    session.receive({ type: 'result', stepId: 'a', outcome: ok });
    expect((await p1).success && (await p2).success).toBe(true);
    await expect(f.hub.dispatch('n1', { id: 'a', kind: 'file' })).resolves.toMatchObject({ success: true });
    await expect(f.hub.dispatch('n2', { id: 'a', kind: 'file' })).rejects.toBeInstanceOf(StepConflictError);
  });

  it("ignores acks, logs and results about another node's steps (identity is the certificate's)", async () => {
    const f = await hubFixture();
    f.connect(f.hub, 'victim');
    const evil = f.connect(f.hub, 'evil');
    const p = f.hub.dispatch('victim', { id: 'v1', kind: 'file' });
    await settle();
    evil.session.receive({ type: 'log', stepId: 'v1', seq: 1, stream: 'stdout', data: 'forged' });
    evil.session.receive({ type: 'result', stepId: 'v1', outcome: ok });
    f.hub.flush();
    expect(f.steps.get('v1')?.state).toBe('sent');
    expect(f.steps.logs({ nodeId: 'victim' })).toEqual([]);
    let settled = false;
    void p.then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
  });

  it('stores each log chunk once and tells log subscribers', async () => {
    const f = await hubFixture();
    const { session } = f.connect(f.hub, 'n1');
    void f.hub.dispatch('n1', { id: 's', kind: 'script' });
    await settle();
    const seen: string[] = [];
    cleanup.push(f.hub.subscribeLogs((c) => seen.push(c.data)));
    session.receive({ type: 'log', stepId: 's', seq: 1, stream: 'stdout', data: 'one\n' });
    session.receive({ type: 'log', stepId: 's', seq: 1, stream: 'stdout', data: 'one\n' });
    session.receive({ type: 'log', stepId: 's', seq: 2, stream: 'stderr', data: 'two\n' });
    expect(seen).toEqual([]); // subscribers hear of a chunk once it is stored
    f.hub.flush();
    expect(f.steps.logs({ nodeId: 'n1', stepId: 's' }).map((c) => [c.seq, c.stream, c.data])).toEqual([[1, 'stdout', 'one\n'], [2, 'stderr', 'two\n']]);
    expect(seen).toEqual(['one\n', 'two\n']);
  });

  it('applies backpressure: no more than max_inflight_steps are sent at once', async () => {
    const f = await hubFixture({ maxInflightSteps: 2 });
    const conns = ['n1', 'n2', 'n3'].map((n) => f.connect(f.hub, n));
    const all = f.hub.dispatchMany(['n1', 'n2', 'n3'].map((nodeId) => ({ nodeId, step: { id: `s-${nodeId}`, kind: 'file' } })));
    await settle();
    expect(conns.map((c) => c.link.steps().length)).toEqual([1, 1, 0]);
    conns[0]!.session.receive({ type: 'result', stepId: 's-n1', outcome: ok });
    await settle();
    expect(conns[2]!.link.steps()).toEqual(['s-n3']);
    conns[1]!.session.receive({ type: 'result', stepId: 's-n2', outcome: ok });
    conns[2]!.session.receive({ type: 'result', stepId: 's-n3', outcome: ok });
    expect((await all).map((r) => r.nodeId)).toEqual(['n1', 'n2', 'n3']);
  });

  it('stores a result before it resolves the dispatch or acknowledges it to the agent', async () => {
    const f = await hubFixture();
    const { link, session } = f.connect(f.hub, 'n1');
    const p = f.hub.dispatch('n1', { id: 's', kind: 'file' });
    let result: unknown;
    void p.then((r) => (result = r));
    await settle();
    session.receive({ type: 'ack', stepId: 's', attempt: 1 });
    session.receive({ type: 'result', stepId: 's', outcome: ok });
    // Decided but not committed: the agent has no result_ack and the caller no result yet.
    expect(link.sent.some((e) => e.type === 'resultAck')).toBe(false);
    await Promise.resolve();
    expect(result).toBeUndefined();
    await settle();
    expect(f.steps.get('s')).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(link.sent.at(-1)).toEqual({ type: 'resultAck', stepId: 's' });
    expect(result).toMatchObject({ stepId: 's', success: true });
    expect(f.store.events.list({ kinds: ['agent.step.'] }).map((e) => e.kind)).toEqual(['agent.step.succeeded']);
  });

  it('writes what many agents report in one turn as one transaction', async () => {
    const f = await hubFixture();
    const nodes = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const conns = nodes.map((n) => f.connect(f.hub, n));
    const all = f.hub.dispatchMany(nodes.map((nodeId) => ({ nodeId, step: { id: `s-${nodeId}`, kind: 'file' } })));
    await settle();
    expect(conns.every((c) => c.link.steps().length === 1)).toBe(true);
    f.hub.flush();
    let transactions = 0;
    const tx = f.steps.transaction.bind(f.steps);
    f.steps.transaction = (fn) => {
      transactions++;
      return tx(fn);
    };
    nodes.forEach((n, i) => {
      conns[i]!.session.receive({ type: 'ack', stepId: `s-${n}`, attempt: 1 });
      conns[i]!.session.receive({ type: 'log', stepId: `s-${n}`, seq: 1, stream: 'stdout', data: 'x\n' });
      conns[i]!.session.receive({ type: 'result', stepId: `s-${n}`, outcome: ok });
    });
    expect((await all).every((r) => r.success)).toBe(true);
    expect(transactions).toBe(1);
    expect(f.steps.logs({ nodeId: 'n7' }).map((c) => c.data)).toEqual(['x\n']);
  });

  it('answers a re-attach to a step whose result is decided but not yet committed', async () => {
    const f = await hubFixture();
    const { session } = f.connect(f.hub, 'n1');
    const first = f.hub.dispatch('n1', { id: 's', kind: 'file' });
    await settle();
    session.receive({ type: 'result', stepId: 's', outcome: ok });
    const again = f.hub.dispatch('n1', { id: 's', kind: 'file' });
    expect((await first).success && (await again).success).toBe(true);
    // ...and a hello in between does not resend it.
    const second = f.connect(f.hub, 'n1');
    expect(second.link.steps()).toEqual([]);
  });

  it('rejects invalid steps and node ids', async () => {
    const f = await hubFixture();
    await expect(f.hub.dispatch('n1', { kind: 'Bad Kind' })).rejects.toBeInstanceOf(InvalidStepError);
    await expect(f.hub.dispatch('bad node', { kind: 'file' })).rejects.toBeInstanceOf(InvalidStepError);
    expect(() => compileStep({ kind: 'file', timeoutMs: -1 })).toThrow(InvalidStepError);
    expect(stepBudgetMs(compileStep({ kind: 'file', timeoutMs: 100, retry: { maxAttempts: 3, backoffMs: 10 } }))).toBe(320);
  });
});

describe('Hub liveness', () => {
  it('loses a silent agent after heartbeat_timeout and fails its steps with agent_lost', async () => {
    const f = await hubFixture();
    const { link } = f.connect(f.hub, 'n1');
    const p = f.hub.dispatch('n1', { id: 's', kind: 'script' });
    await settle();
    f.clock.t += 1500;
    f.hub.sweep();
    expect(link.sent.at(-1)).toEqual({ type: 'heartbeat' });
    f.clock.t += 5000;
    f.hub.sweep();
    expect(link.closedWith).toBe('lost');
    await expect(p).resolves.toMatchObject({ success: false, errorCode: 'agent_lost' });
    expect(f.agents.get('n1')?.state).toBe('lost');
  });

  it('knows when a connected agent was last heard from (heartbeats included); nothing for one not connected', async () => {
    const f = await hubFixture();
    const { session } = f.connect(f.hub, 'n1');
    const t0 = f.clock.t;
    expect(f.hub.lastSeen('n1')?.getTime()).toBe(t0);
    f.clock.t += 700;
    session.receive({ type: 'heartbeat' });
    expect(f.hub.lastSeen('n1')?.getTime()).toBe(t0 + 700);
    expect(f.hub.lastSeen('n2')).toBeUndefined();
    session.closed();
    expect(f.hub.lastSeen('n1')).toBeUndefined();
  });

  it('gives a disconnected agent heartbeat_timeout to come back', async () => {
    const f = await hubFixture();
    const a = f.connect(f.hub, 'n1');
    const p = f.hub.dispatch('n1', { id: 's', kind: 'script' });
    await settle();
    a.session.closed();
    f.clock.t += 4000;
    f.hub.sweep();
    const b = f.connect(f.hub, 'n1');
    expect(b.link.steps()).toEqual(['s']);
    f.clock.t += 4000;
    f.hub.sweep();
    b.session.receive({ type: 'result', stepId: 's', outcome: ok });
    await expect(p).resolves.toMatchObject({ success: true });
  });

  it('after a daemon restart, sent steps of agents that never return fail; pending ones wait for their timeout', async () => {
    const f = await hubFixture();
    const a = f.connect(f.hub, 'n1');
    void f.hub.dispatch('n1', { id: 'sent', kind: 'script', timeoutMs: 60_000 }).catch(() => undefined);
    void f.hub.dispatch('n2', { id: 'pending', kind: 'script', timeoutMs: 60_000 }).catch(() => undefined);
    await settle();
    a.session.closed();
    f.hub.stop();
    const restarted = f.make();
    f.clock.t += 6000;
    restarted.sweep();
    expect(f.steps.get('sent')).toMatchObject({ state: 'failed', errorCode: 'agent_lost' });
    expect(f.steps.get('pending')?.state).toBe('pending');
  });

  it('fails a step that outlives its timeout and retries plus the grace period', async () => {
    const f = await hubFixture();
    // The store stamps sent_at with the wall clock; start the fake clock there.
    f.clock.t = Date.now();
    f.connect(f.hub, 'n1');
    const p = f.hub.dispatch('n1', { id: 's', kind: 'script', timeoutMs: 2000 });
    await settle();
    f.clock.t += 2500;
    f.hub.sweep();
    expect(f.steps.get('s')?.state).toBe('sent');
    f.clock.t += 600;
    f.hub.sweep();
    await expect(p).resolves.toMatchObject({ success: false, errorCode: 'timeout' });
  });
});

describe('Hub credentials', () => {
  it('authorizes only the current serial of an enrolled, unrevoked node', async () => {
    const f = await hubFixture();
    f.agents.enroll('n1', 'aa', new Date(Date.now() + 1e6));
    expect(() => f.hub.authorize({ nodeId: 'n1', serial: 'aa' })).not.toThrow();
    expect(() => f.hub.authorize({ nodeId: 'n1', serial: 'bb' })).toThrow(AgentRevokedError);
    expect(() => f.hub.authorize({ nodeId: 'n2', serial: 'aa' })).toThrow(AgentRevokedError);
    f.agents.enroll('n1', 'cc', new Date(Date.now() + 1e6));
    expect(() => f.hub.authorize({ nodeId: 'n1', serial: 'aa' })).toThrow(AgentRevokedError);
  });

  it('revoke drops the session, fails open steps and refuses the certificate from then on', async () => {
    const f = await hubFixture();
    const { link } = f.connect(f.hub, 'n1', 'abc');
    const p = f.hub.dispatch('n1', { id: 's', kind: 'script' });
    await settle();
    f.hub.issueEnrollmentToken('n1');
    expect(f.hub.revoke('n1', 'rebuild')).toEqual({ certificates: 1, tokens: 1 });
    expect(link.closedWith).toBe('revoked');
    await expect(p).resolves.toMatchObject({ success: false, errorCode: 'revoked' });
    expect(() => f.hub.authorize({ nodeId: 'n1', serial: 'abc' })).toThrow(AgentRevokedError);
    expect(() => f.make().authorize({ nodeId: 'n1', serial: 'abc' })).toThrow(AgentRevokedError);
  });

  it('revoke also fails a step dispatched in the same turn', async () => {
    const f = await hubFixture();
    f.connect(f.hub, 'n1', 'abc');
    const p = f.hub.dispatch('n1', { id: 'same-turn', kind: 'script' });
    await Promise.resolve();
    f.hub.revoke('n1', 'delete');
    await expect(p).resolves.toMatchObject({ success: false, errorCode: 'revoked' });
    expect(f.steps.get('same-turn')?.state).toBe('failed');
  });

  it('a dispatch caught by shutdown rejects, but its step is stored for the next daemon', async () => {
    const f = await hubFixture();
    const p = f.hub.dispatch('n1', { id: 'at-stop', kind: 'script' });
    await Promise.resolve();
    f.hub.stop();
    await expect(p).rejects.toMatchObject({ code: 'DAEMON_SHUTTING_DOWN' });
    expect(f.steps.get('at-stop')?.state).toBe('pending');
  });

  it('tells onAgentConnected listeners once per session', async () => {
    const f = await hubFixture();
    const seen: string[] = [];
    f.hub.onAgentConnected((n, m) => seen.push(`${n}:${m}`));
    const { session } = f.connect(f.hub, 'n1');
    session.receive({ type: 'hello', mode: 'node', version: 't', hostname: 'x' });
    expect(seen).toEqual(['n1:node']);
    expect(f.hub.isConnected('n1')).toBe(true);
  });
});
