/**
 * `undercloud agent ...` against the real daemon and a real agent process: list, token issue (shown once,
 * never logged), run (--param, --param-file, --wait, re-attach, failures), steps, revoke; formats, usage
 * errors and exit codes; and `overcloud support report collect`, which gathers its reports through the agents.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERCLOUD_BIN, UNDERCLOUD_BIN, readLog, runCli } from '../../helpers/daemon.js';
import { startAgent, startLab, waitUntil, type AgentLab, type AgentProcess, waitConnected } from './harness.js';
import { tempDir } from '../../helpers/tmp.js';

let lab: AgentLab;
let agent: AgentProcess | undefined;
const root = tempDir('agent-cli-root-');
const work = tempDir('agent-cli-');

const uc = (...args: string[]) => runCli(UNDERCLOUD_BIN, args, lab.daemon.configFile);
const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;

interface StepView { id: string; node_id: string; kind: string; state: string; changed: boolean; attempts: number; error_code: string | null; outputs: Record<string, unknown> }

beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await agent?.kill();
  await lab?.close();
});

describe('undercloud agent', () => {
  it('token issue prints the token once, in every format, and it never reaches the log or the events', async () => {
    const table = await uc('agent', 'token', 'issue', 'cli-1', '--ttl', '600');
    expect(table.code, table.stderr).toBe(0);
    const token = /^token\s+(\S+)$/m.exec(table.stdout)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(table.stdout).toMatch(/^node_id\s+cli-1$/m);
    expect(table.stderr).toMatch(/shown once/);

    // A new token replaces the unused one; this is the one the agent gets.
    const issued = await uc('--format', 'json', 'agent', 'token', 'issue', 'cli-1');
    expect(issued.code, issued.stderr).toBe(0);
    const t = json<{ node_id: string; token: string; expires_at: string }>(issued);
    expect(t.node_id).toBe('cli-1');
    expect(Date.parse(t.expires_at) - Date.now()).toBeGreaterThan(3600_000); // the configured token_ttl (1 day)
    const yaml = await uc('-f', 'yaml', 'agent', 'token', 'issue', 'cli-other');
    expect(yaml.stdout).toMatch(/^token: \S+$/m);

    agent = startAgent(lab, { nodeId: 'cli-1', token: t.token, root });
    await waitConnected(lab, { 'cli-1': agent! });

    const eventText = (await uc('-f', 'json', 'events', '--kind', 'agent.', '--limit', '1000')).stdout;
    expect(eventText).toContain('agent.token_issued');
    for (const secret of [token!, t.token]) {
      expect(readLog(lab.daemon)).not.toContain(secret);
      expect(lab.daemon.output()).not.toContain(secret);
      expect(eventText).not.toContain(secret);
      expect(agent.output()).not.toContain(secret);
    }
  });

  it('list shows each agent with its state, mode and certificate; --state filters', async () => {
    const r = await uc('-f', 'json', 'agent', 'list');
    expect(r.code, r.stderr).toBe(0);
    const a = json<{ node_id: string; state: string; mode: string; cert_serial: string; cert_expires_at: string; hostname: string }[]>(r).find((x) => x.node_id === 'cli-1');
    expect(a).toMatchObject({ state: 'connected', mode: 'node' });
    expect(a!.cert_serial).toMatch(/^[0-9a-f]+$/);
    const table = await uc('agent', 'list', '--state', 'connected');
    expect(table.stdout.split('\n')[0]).toMatch(/^Node\s+State\s+Mode\s+Version\s+Hostname\s+Last Seen\s+Certificate\s+Expires$/);
    expect(table.stdout).toMatch(/^cli-1\s+connected\s+node\s/m);
    expect((await uc('agent', 'list', '--state', 'lost')).stdout).not.toContain('cli-1');
    expect((await uc('agent', 'list', '--state', 'sleeping')).code).toBe(2);
  });

  it('run --wait applies a file step with typed and string parameters; the second run changes nothing', async () => {
    const args = ['agent', 'run', 'cli-1', 'file', '--param', 'path=/etc/cli-test.conf', '--param', 'content=answer = 42\n', '-p', 'mode=0640', '--wait'];
    const first = await uc('-f', 'json', ...args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/dispatched to cli-1; waiting up to \d+ s/);
    expect(json<StepView>(first)).toMatchObject({ node_id: 'cli-1', kind: 'file', state: 'succeeded', changed: true, attempts: 1, outputs: { path: '/etc/cli-test.conf' } });
    expect(readFileSync(path.join(root, 'etc', 'cli-test.conf'), 'utf8')).toBe('answer = 42\n');
    const second = await uc('-f', 'json', ...args);
    expect(json<StepView>(second)).toMatchObject({ state: 'succeeded', changed: false });
  });

  it('run --wait with --param-file and KEY:=JSON prints the script output; a failed step exits 1', async () => {
    const script = path.join(work, 'hello.sh');
    writeFileSync(script, '#!/bin/sh\necho "hello from $(hostname)"\necho careful >&2\n');
    const ok = await uc('agent', 'run', 'cli-1', 'script', '--param-file', `script=${script}`, '--param', 'always:=true', '--timeout', '30', '--wait');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^state\s+succeeded$/m);
    expect(ok.stdout).toMatch(/^output: deploy_status_code\s+0$/m);
    expect(ok.stdout).toMatch(/--- stdout ---\nhello from /);
    expect(ok.stdout).toContain('--- stderr ---\ncareful\n');

    const bad = await uc('agent', 'run', 'cli-1', 'script', '--param', 'script=#!/bin/sh\nexit 3', '--param', 'always:=true', '--id', 'cli-fails', '--wait', '60');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^state\s+failed$/m);
    expect(bad.stderr).toMatch(/step cli-fails failed: /);
  });

  it('overcloud support report collect: each node\'s report through its agent, a summary and an archive; an absent agent is said, not waited for', async () => {
    const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, lab.daemon.configFile);
    // An agent that was connected and went away.
    const token = json<{ token: string }>(await uc('-f', 'json', 'agent', 'token', 'issue', 'cli-away')).token;
    const away = startAgent(lab, { nodeId: 'cli-away', token, root: tempDir('agent-cli-away-') });
    await waitConnected(lab, { 'cli-away': away });
    await away.kill();
    await waitUntil(async () => json<{ node_id: string; state: string }[]>(await uc('-f', 'json', 'agent', 'list')).find((x) => x.node_id === 'cli-away')?.state !== 'connected', 30_000, 'cli-away to be seen gone');
    const dir = path.join(work, 'report');
    const r = await oc('-f', 'json', 'support', 'report', 'collect', 'cli-1', 'cli-away', '-o', dir, '--timeout', '60');
    expect(r.code).toBe(1); // one node gave nothing
    const res = json<{ directory: string; archive: string; nodes: { host: string; result: string; bytes: number; file: string | null }[] }>(r);
    expect(res.nodes.map((n) => [n.host, n.result])).toEqual([['cli-1', 'ok'], ['cli-away', expect.stringMatching(/^no answer: its agent is (disconnected|lost)$/)]]);
    const report = readFileSync(path.join(dir, 'cli-1.txt'), 'utf8');
    for (const section of ['host', 'failed units', 'disks', 'memory', 'addresses', 'routes', '/etc/hosts']) expect(report).toContain(`===== ${section} =====`);
    expect(report).toContain(hostname());
    expect(res.nodes[0]!.bytes).toBe(Buffer.byteLength(report));
    expect(readFileSync(path.join(dir, 'SUMMARY.txt'), 'utf8')).toMatch(/^cli-1\tcli-1\tok\ncli-away\tcli-away\tno answer: its agent is \w+\n$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const listed = execFileSync('tar', ['-tzf', `${dir}.tar.gz`], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listed).toEqual(['report/', 'report/SUMMARY.txt', 'report/cli-1.txt']);
    const unknown = await oc('support', 'report', 'collect', 'nobody', '-o', path.join(work, 'r2'));
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('no node or deployed server is called nobody');
    expect((await oc('support', 'report', 'collect', '--stack', 'nope', '-o', path.join(work, 'r3'))).code).toBe(5);
  });

  it('run without --wait returns the stored step at once; the same --id re-attaches; another kind conflicts', async () => {
    const r = await uc('-f', 'json', 'agent', 'run', 'cli-1', 'file', '--id', 'cli-nowait', '-p', 'path=/etc/nowait', '-p', 'content=x');
    expect(r.code, r.stderr).toBe(0);
    expect(['pending', 'sent', 'running', 'succeeded']).toContain(json<StepView>(r).state);
    expect(json<StepView>(r).id).toBe('cli-nowait');
    const again = await uc('-f', 'json', 'agent', 'run', 'cli-1', 'file', '--id', 'cli-nowait', '--wait');
    expect(again.code, again.stderr).toBe(0);
    expect(json<StepView>(again)).toMatchObject({ id: 'cli-nowait', state: 'succeeded', changed: true });
    const conflict = await uc('agent', 'run', 'cli-1', 'script', '--id', 'cli-nowait', '--wait');
    expect(conflict.code).toBe(6);
    expect(conflict.stderr).toMatch(/already exists/);
  });

  it('steps lists the node\'s steps with their state; --state filters; json has outputs', async () => {
    const table = await uc('agent', 'steps', 'cli-1');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+Kind\s+State\s+Attempts\s+Changed\s+Error\s+Created\s+Finished$/);
    expect(table.stdout).toMatch(/^cli-nowait\s+file\s+succeeded\s+1\s+true\s/m);
    expect(table.stdout).toMatch(/^cli-fails\s+script\s+failed\s+1\s+script_failed: /m);
    const failed = await uc('-f', 'json', 'agent', 'steps', 'cli-1', '--state', 'failed');
    expect(json<StepView[]>(failed).map((s) => s.id)).toEqual(['cli-fails']);
    expect(json<StepView[]>(failed)[0]!.outputs.deploy_status_code).toBe(3);
    expect(json<StepView[]>(await uc('-f', 'json', 'agent', 'steps', 'nobody'))).toEqual([]);
  });

  it('refuses bad usage with exit 2 and bad requests with exit 4', async () => {
    for (const args of [
      ['agent', 'run', 'cli-1', 'file', '--param', 'novalue'],
      ['agent', 'run', 'cli-1', 'file', '--param', 'n:=not json'],
      ['agent', 'run', 'cli-1', 'file', '--param', 'a=1', '--param', 'a=2'],
      ['agent', 'run', 'cli-1', 'file', '--param-file', `script=${path.join(work, 'missing.sh')}`],
      ['agent', 'run', 'cli-1', 'file', '--timeout', '0'],
      ['agent', 'token', 'issue', 'cli-1', '--ttl', 'soon'],
      ['agent', 'run', 'cli-1'],
    ]) {
      const r = await uc(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/error/);
    }
    const badNode = await uc('agent', 'token', 'issue', 'not a node');
    expect(badNode.code).toBe(4);
    const badKind = await uc('agent', 'run', 'cli-1', 'Not-A-Kind');
    expect(badKind.code).toBe(4);
  });

  it('run --wait SECONDS gives up with exit 7 and a way to re-attach; the step stays stored', async () => {
    const r = await uc('agent', 'run', 'cli-absent', 'inventory', '--id', 'cli-later', '--wait', '1');
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/the agent of node cli-absent is not enrolled/);
    expect(r.stderr).toMatch(/gave up waiting after 1 s; step cli-later goes on\. Re-attach with "undercloud agent run cli-absent inventory --id cli-later --wait"/);
    expect(json<StepView[]>(await uc('-f', 'json', 'agent', 'steps', 'cli-absent'))).toMatchObject([{ id: 'cli-later', state: 'pending' }]);
  });

  it('revoke drops the session (the agent exits 3), fails open steps, and is refused for an unknown node', async () => {
    const r = await uc('-f', 'json', 'agent', 'revoke', 'cli-1', '--reason', 'rebuild');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toEqual({ node_id: 'cli-1', revoked_certificates: 1, revoked_tokens: 0 });
    expect(await agent!.exited).toBe(3);
    expect(json<{ node_id: string; state: string }[]>(await uc('-f', 'json', 'agent', 'list')).find((a) => a.node_id === 'cli-1')?.state).toBe('revoked');
    await waitUntil(() => /agent credentials revoked.*rebuild/.test(readLog(lab.daemon)), 5000, 'the revocation in the log');
    // A pending step of a node that never enrolled is failed by revoke too.
    const absent = await uc('-f', 'json', 'agent', 'revoke', 'cli-absent');
    expect(json(absent)).toEqual({ node_id: 'cli-absent', revoked_certificates: 0, revoked_tokens: 0 });
    expect(json<StepView[]>(await uc('-f', 'json', 'agent', 'steps', 'cli-absent'))).toMatchObject([{ id: 'cli-later', state: 'failed', error_code: 'revoked' }]);
    const unknown = await uc('agent', 'revoke', 'cli-never');
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/cli-never has no enrolled agent/);
  });
});
