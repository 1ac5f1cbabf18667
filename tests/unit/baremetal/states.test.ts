import { describe, expect, it } from 'vitest';
import {
  PROVISION_EVENTS, PROVISION_STATES, STATES, STUCK_STATE_RECOVERY, TRANSITIONS, allowedEvents, canProcess, nextState,
  type ProvisionEvent, type ProvisionState,
} from '../../../undercloud/baremetal/states.js';
import { InvalidStateError } from '../../../undercloud/baremetal/errors.js';
import { REFERENCE_TRANSITIONS } from '../../fixtures/baremetal/ironic-transitions.js';

/** Parses "a --e1|e2--> b" lines into a map "from/event" -> to. */
function referenceTable(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of REFERENCE_TRANSITIONS.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = /^(.+?) --([a-z|]+)--> (.+)$/.exec(line);
    if (!m) throw new Error(`unparsed reference line: ${line}`);
    for (const ev of m[2]!.split('|')) {
      const key = `${m[1]}/${ev}`;
      expect(out.has(key), `duplicate reference transition ${key}`).toBe(false);
      out.set(key, m[3]!);
    }
  }
  return out;
}

describe('provision state machine', () => {
  const ref = referenceTable();

  it('has exactly the reference transitions', () => {
    const ours = new Map(TRANSITIONS.map((t) => [`${t.from}/${t.event}`, t.to]));
    expect(ours.size).toBe(TRANSITIONS.length); // no duplicates
    expect(Object.fromEntries([...ours].sort())).toEqual(Object.fromEntries([...ref].sort()));
  });

  it('allows every transition of the table and refuses every other (state, event) pair', () => {
    let allowed = 0;
    let refused = 0;
    for (const s of PROVISION_STATES) {
      for (const e of PROVISION_EVENTS) {
        const want = ref.get(`${s}/${e}`);
        if (want !== undefined) {
          expect(nextState(s, e)).toBe(want);
          expect(canProcess(s, e)).toBe(true);
          allowed++;
        } else {
          expect(canProcess(s, e)).toBe(false);
          let caught: unknown;
          try {
            nextState(s, e, 'node-0');
          } catch (err) {
            caught = err;
          }
          expect(caught, `${s} --${e}--> should be refused`).toBeInstanceOf(InvalidStateError);
          expect((caught as InvalidStateError).code).toBe('INVALID_STATE');
          expect((caught as InvalidStateError).state).toBe(s);
          refused++;
        }
      }
    }
    expect(allowed).toBe(ref.size);
    expect(allowed + refused).toBe(PROVISION_STATES.length * PROVISION_EVENTS.length);
  });

  it('uses only known states and events, and every state is reachable or initial', () => {
    const states = new Set<string>(PROVISION_STATES);
    const events = new Set<string>(PROVISION_EVENTS);
    const reached = new Set<string>(['enroll']);
    for (const t of TRANSITIONS) {
      expect(states.has(t.from) && states.has(t.to) && events.has(t.event)).toBe(true);
      reached.add(t.to);
    }
    expect([...states].filter((s) => !reached.has(s))).toEqual([]);
  });

  it('classifies states as the reference groups them', () => {
    const stable = PROVISION_STATES.filter((s) => STATES[s].stable).sort();
    expect(stable).toEqual(['active', 'available', 'enroll', 'error', 'manageable', 'rescue'].sort());
    const failed = PROVISION_STATES.filter((s) => STATES[s].kind === 'failed').sort();
    expect(failed).toEqual(['adopt failed', 'clean failed', 'deploy failed', 'inspect failed', 'rescue failed', 'service failed', 'unrescue failed'].sort());
    const wait = PROVISION_STATES.filter((s) => STATES[s].kind === 'wait').sort();
    expect(wait).toEqual(['clean wait', 'inspect wait', 'rescue wait', 'service wait', 'wait call-back'].sort());
    const hold = PROVISION_STATES.filter((s) => STATES[s].kind === 'hold').sort();
    expect(hold).toEqual(['clean hold', 'deploy hold', 'service hold']);
  });

  it('every failState is reachable by fail or abort from its state', () => {
    for (const s of PROVISION_STATES) {
      const f = STATES[s].failState;
      if (f === undefined) continue;
      const viaFail = canProcess(s, 'fail') ? nextState(s, 'fail') : canProcess(s, 'abort') ? nextState(s, 'abort') : undefined;
      expect(viaFail, `${s} fails to ${f}`).toBe(f);
    }
  });

  it('recovers stuck states to their fail state with a legal fail transition', () => {
    expect(STUCK_STATE_RECOVERY).toEqual({
      deploying: 'deploy failed', cleaning: 'clean failed', verifying: 'enroll', inspecting: 'inspect failed',
      adopting: 'adopt failed', rescuing: 'rescue failed', unrescuing: 'unrescue failed', deleting: 'error',
    });
    for (const [from, to] of Object.entries(STUCK_STATE_RECOVERY)) {
      expect(nextState(from as ProvisionState, 'fail')).toBe(to);
    }
  });

  it('follows the TripleO path enroll -> manageable -> available -> active -> available', () => {
    const path: [ProvisionEvent, ProvisionState][] = [
      ['manage', 'verifying'], ['done', 'manageable'], ['inspect', 'inspecting'], ['done', 'manageable'],
      ['provide', 'cleaning'], ['done', 'available'], ['deploy', 'deploying'], ['wait', 'wait call-back'],
      ['resume', 'deploying'], ['done', 'active'], ['rebuild', 'deploying'], ['done', 'active'],
      ['delete', 'deleting'], ['clean', 'cleaning'], ['done', 'available'],
    ];
    let s: ProvisionState = 'enroll';
    for (const [e, want] of path) {
      s = nextState(s, e);
      expect(s).toBe(want);
    }
    expect(allowedEvents('available').sort()).toEqual(['deploy', 'manage']);
  });

  it('the table is immutable', () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(TRANSITIONS[0])).toBe(true);
    expect(Object.isFrozen(STATES)).toBe(true);
  });
});
