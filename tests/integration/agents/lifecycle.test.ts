/**
 * Steps across failures, with real agent processes and the real daemon: the agent killed mid-step and
 * restarted (the step is resent and completes), the daemon killed mid-step (the running step is not run
 * again and its result arrives after the reconnect), a lost agent (its step fails with agent_lost), and
 * log streaming (stored chunks in order, `overcloud node logs` with --step and --follow).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERCLOUD_BIN, runCli } from '../../helpers/daemon.js';
import { agentState, startAgent, startLab, unary, waitUntil, type AgentLab, waitConnected } from './harness.js';
import { tempDir } from '../../helpers/tmp.js';

let lab: AgentLab;
const work = tempDir('agent-life-');

beforeAll(async () => {
  // heartbeat_timeout is also how long a restarted daemon waits for agents with open steps to come back:
  // it must outlast an agent's reconnect backoff (at most 5 s plus jitter, so 10 s), or the daemon-crash
  // test below races it (seen under load: back 1.4 s too late with 3 s). Production's default is 60 s.
  lab = await startLab({ heartbeat_timeout: '12' });
});
afterAll(async () => {
  await lab?.close();
});

const stepState = async (nodeId: string, id: string) => {
  const r = (await unary(lab.client, 'listSteps', { nodeId })) as { steps: { id: string; state: string }[] };
  return r.steps.find((s) => s.id === id)?.state;
};

/** A script that counts its runs in `counter`, then sleeps. */
const slowScript = (counter: string, seconds: number) => ({ always: true, script: `#!/bin/sh\necho run >> ${counter}\necho started\nsleep ${seconds}\necho finished\n` });

describe('agent lifecycle', () => {
  it('resends an unfinished step to an agent restarted mid-step, and it completes', async () => {
    const counter = path.join(work, 'restart-agent');
    const a1 = startAgent(lab, { nodeId: 'life-1', token: await lab.token('life-1') });
    await waitConnected(lab, { 'life-1': a1 });
    const done = lab.run({ nodeId: 'life-1', stepId: 'restart-agent-1', kind: 'script', paramsJson: JSON.stringify(slowScript(counter, 1)) });
    await waitUntil(() => existsSync(counter), 10_000, 'the script to start');
    await a1.kill('SIGKILL');
    const a2 = startAgent(lab, { nodeId: 'life-1', stateDir: a1.stateDir });
    try {
      const r = await done;
      expect(r.state).toBe('succeeded');
      expect(readFileSync(counter, 'utf8')).toBe('run\nrun\n');
      // A finished step dispatched again is answered from the store, and the agent never reruns it.
      const again = await lab.run({ nodeId: 'life-1', stepId: 'restart-agent-1', kind: 'script' });
      expect(again.state).toBe('succeeded');
      expect(readFileSync(counter, 'utf8')).toBe('run\nrun\n');
    } finally {
      await a2.kill();
    }
  });

  it('keeps a running step through a daemon crash: not rerun, result delivered after the reconnect', async () => {
    const counter = path.join(work, 'restart-daemon');
    const a = startAgent(lab, { nodeId: 'life-2', token: await lab.token('life-2') });
    try {
      await waitConnected(lab, { 'life-2': a });
      const pending = lab.run({ nodeId: 'life-2', stepId: 'restart-daemon-1', kind: 'script', paramsJson: JSON.stringify(slowScript(counter, 2)) });
      pending.catch(() => undefined);
      await waitUntil(() => existsSync(counter), 10_000, 'the script to start');
      await lab.restartDaemon(true);
      await waitUntil(async () => (await stepState('life-2', 'restart-daemon-1')) === 'succeeded', 60_000, 'the step result after the restart');
      expect(readFileSync(counter, 'utf8')).toBe('run\n');
      const r = await lab.run({ nodeId: 'life-2', stepId: 'restart-daemon-1', kind: 'script' });
      expect(JSON.parse(r.outputsJson).deploy_stdout).toBe('started\nfinished\n');
    } finally {
      await a.kill();
    }
  });

  it('marks a silent agent lost and fails its step with agent_lost', async () => {
    const counter = path.join(work, 'lost');
    const a = startAgent(lab, { nodeId: 'life-3', token: await lab.token('life-3') });
    await waitConnected(lab, { 'life-3': a });
    const done = lab.run({ nodeId: 'life-3', stepId: 'lost-1', kind: 'script', paramsJson: JSON.stringify(slowScript(counter, 60)), timeoutMs: 120_000 });
    await waitUntil(() => existsSync(counter), 10_000, 'the script to start');
    // SIGSTOP: the TCP connection stays open but the agent says nothing (a hung or partitioned node).
    a.proc.kill('SIGSTOP');
    const started = Date.now();
    try {
      const r = await done;
      expect(r.state).toBe('failed');
      expect(r.errorCode).toBe('agent_lost');
      expect(Date.now() - started).toBeLessThan(12_000 + 8_000);
      expect(await agentState(lab, 'life-3')).toBe('lost');
    } finally {
      a.proc.kill('SIGKILL');
    }
  });

  it('stores log chunks in order and serves them with overcloud node logs (--step, --follow)', async () => {
    const a = startAgent(lab, { nodeId: 'life-4', token: await lab.token('life-4') });
    try {
      await waitConnected(lab, { 'life-4': a });
      const follow = spawn(process.execPath, [OVERCLOUD_BIN, '--config', lab.daemon.configFile, 'node', 'logs', 'life-4', '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let followed = '';
      follow.stdout.on('data', (b: Buffer) => (followed += b.toString()));
      const script = '#!/bin/sh\nfor i in 1 2 3 4 5; do echo "line $i"; sleep 0.1; done\necho "oops" >&2\n';
      const r = await lab.run({ nodeId: 'life-4', stepId: 'logs-1', kind: 'script', paramsJson: JSON.stringify({ script, always: true }) });
      expect(r.state).toBe('succeeded');
      const lines = await lab.logs('life-4', 'logs-1');
      const stdout = lines.filter((l) => l.stream === 'stdout').map((l) => l.data).join('');
      expect(stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
      const seqs = lines.map((l) => l.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
      const cli = await runCli(OVERCLOUD_BIN, ['node', 'logs', 'life-4', '--step', 'logs-1'], lab.daemon.configFile);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain('line 5\n');
      expect(cli.stdout).toContain('E oops\n');
      await waitUntil(() => followed.includes('line 5'), 5000, 'the follower to see the live log');
      expect(followed).toContain('==> step logs-1 <==');
      follow.kill('SIGINT');
      const json = await runCli(OVERCLOUD_BIN, ['--format', 'json', 'node', 'logs', 'life-4'], lab.daemon.configFile);
      expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l).step_id as string)).toContain('logs-1');
    } finally {
      await a.kill();
    }
  });
});
