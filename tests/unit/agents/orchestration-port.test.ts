import { describe, expect, it } from 'vitest';
import { agentPort } from '../../../undercloud/agents/orchestration-port.js';
import { hubFixture } from './hub-fixture.js';

const signal = new AbortController().signal;
const req = { id: 'dep-1', serverId: 'srv-1', action: 'CREATE', config: { group: 'script', config: '#!/bin/sh\necho hi', options: {}, outputs: ['x'] }, inputs: { a: 1 } };

describe('agentPort (orchestration -> hub)', () => {
  it('turns a deployment into one stored script step and maps its result back', async () => {
    const f = await hubFixture();
    const port = agentPort(f.hub, (s) => (s === 'srv-1' ? 'node-1' : 'x'));
    await port.dispatch(req, signal);
    await port.dispatch(req, signal);
    expect(f.steps.listForNode('node-1').map((s) => [s.id, s.kind, s.params.script])).toEqual([['dep-1', 'script', '#!/bin/sh\necho hi']]);
    expect(await port.result('dep-1', signal)).toBeUndefined();
    const { session } = f.connect(f.hub, 'node-1');
    session.receive({ type: 'result', stepId: 'dep-1', outcome: { success: true, changed: true, attempts: 1, outputs: { deploy_stdout: 'hi\n', deploy_stderr: '', deploy_status_code: 0, x: 'out' } } });
    await new Promise((r) => setImmediate(r)); // results are committed once per event-loop turn
    expect(await port.result('dep-1', signal)).toEqual({ statusCode: 0, stdout: 'hi\n', stderr: '', outputs: { x: 'out' } });
  });

  it('reports an agent failure that is not the script\'s as a non-zero status with the reason', async () => {
    const f = await hubFixture();
    const port = agentPort(f.hub, () => 'node-2');
    await port.dispatch({ ...req, id: 'dep-2' }, signal);
    f.hub.revoke('node-2', 'rebuild');
    expect(await port.result('dep-2', signal)).toMatchObject({ statusCode: -1, stderr: expect.stringMatching(/^revoked: /) });
  });
});
