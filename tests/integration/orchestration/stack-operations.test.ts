/**
 * Stack operations through the real daemon and the real CLI, with fake servers and fake agents: a nested
 * template error refused before anything is written, breakpoints (`overcloud stack hook poll|clear`),
 * `overcloud deploy --enable-rollback`, `overcloud delete` while a create is in progress, and
 * `overcloud node delete` (removing servers by name).
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { runCli, OVERCLOUD_BIN, type TestDaemon, daemonForBlock, FAKE_ORCHESTRATION_CONFIG } from '../../helpers/daemon.js';
import { OrchestrationClient, type Resource } from '../../../proto/gen/undercloud/v1/orchestration.js';

const TEMPLATES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'overcloud');
const env = (name: string) => path.join(TEMPLATES, name);

function oc(d: TestDaemon, args: string[]) {
  return runCli(OVERCLOUD_BIN, args, d.configFile);
}

function rpc<Req, Res>(d: TestDaemon, method: 'listResources' | 'getOutputs' | 'listHooks', req: Req): Promise<Res> {
  const c = d.client(OrchestrationClient);
  const fn = c[method] as unknown as (r: Req, md: Metadata, o: object, cb: (e: Error | null, r: Res) => void) => void;
  return new Promise((resolve, reject) => fn.call(c, req, new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('stack operations through the daemon', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: FAKE_ORCHESTRATION_CONFIG }, (x) => (d = x));

  it('refuses a plan with an error two templates down, citing its file, line and column; nothing is created', async () => {
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('broken.yaml')]);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toContain('broken-inner.yaml:7:43');
    expect((await oc(d, ['status'])).code).toBe(5);
  });

  it('pauses at pre-create hooks and continues once `overcloud stack hook clear` clears them', async () => {
    const started = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('hooks.yaml'), '--no-wait']);
    expect(started.code, started.stderr).toBe(0);
    const hooks = await until('two paused deployments', async () => {
      const res = await rpc<object, { hooks: { resource: string; hook: string }[] }>(d, 'listHooks', { name: 'overcloud' });
      return res.hooks.length === 2 ? res.hooks : undefined;
    });
    expect(hooks.map((h) => h.resource).sort()).toEqual(['Compute/0/Deployment', 'Compute/1/Deployment']);
    const poll = await oc(d, ['stack', 'hook', 'poll', 'overcloud']);
    expect(poll.stdout).toContain('Compute/0/Deployment');
    const cleared = await oc(d, ['stack', 'hook', 'clear', 'overcloud', 'Compute/*/Deployment', '--pre-create']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain('cleared pre-create on Compute/1/Deployment');
    const st = await oc(d, ['status', '--watch', '--format', 'json']);
    expect((JSON.parse(st.stdout) as { stack_status: string }).stack_status, st.stderr).toBe('CREATE_COMPLETE');
    const again = await oc(d, ['stack', 'hook', 'clear', 'overcloud', 'Compute/0/Deployment']);
    expect(again.code).toBe(6);
  });

  it('with --enable-rollback a failed update returns to the previous templates', async () => {
    const pw = JSON.parse((await rpc<object, { outputsJson: string }>(d, 'getOutputs', { name: 'overcloud' })).outputsJson) as Record<string, unknown>;
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('fail.yaml'), '--enable-rollback']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('ROLLBACK_COMPLETE');
    const st = JSON.parse((await oc(d, ['status', '--format', 'json'])).stdout) as { deployment_status: string };
    expect(st.deployment_status).toBe('DEPLOY_FAILED');
    const after = JSON.parse((await rpc<object, { outputsJson: string }>(d, 'getOutputs', { name: 'overcloud' })).outputsJson) as Record<string, unknown>;
    expect(after).toEqual(pw);
    const res = await rpc<object, { resources: Resource[] }>(d, 'listResources', { name: 'overcloud', nested: true });
    expect(res.resources.filter((x) => x.status !== 'COMPLETE')).toEqual([]);
  });

  it('`overcloud delete` during a create cancels it and deletes the stack', async () => {
    expect((await oc(d, ['delete', '--yes'])).code).toBe(0);
    const started = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('slow.yaml'), '--no-wait']);
    expect(started.code, started.stderr).toBe(0);
    await until('a deployment in progress', async () => {
      const res = await rpc<object, { resources: Resource[] }>(d, 'listResources', { name: 'overcloud', nested: true });
      return res.resources.some((x) => x.name === 'Deployment' && x.action === 'CREATE' && x.status === 'IN_PROGRESS') ? true : undefined;
    });
    const del = await oc(d, ['delete', '--yes']);
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(del.stdout).toContain('DELETE_COMPLETE');
    expect((await oc(d, ['status'])).code).toBe(5);
  });

  it('`overcloud node delete` removes the named server from its role and says which count to set', async () => {
    const created = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml')]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const refused = await oc(d, ['node', 'delete', 'overcloud-novacompute-0']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('refusing to remove overcloud-novacompute-0 from stack overcloud without --yes');
    const unknown = await oc(d, ['node', 'delete', 'overcloud-novacompute-9', '--yes']);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('stack overcloud has no server overcloud-novacompute-9 (its servers: overcloud-controller-0, overcloud-novacompute-0, overcloud-novacompute-1)');

    const r = await oc(d, ['node', 'delete', 'overcloud-novacompute-0', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('overcloud UPDATE_COMPLETE');
    expect(r.stderr).toMatch(/removing overcloud-novacompute-0 \(Compute member 0, node fake-node-\d+\)/);
    expect(r.stderr).toContain('ComputeCount 2 -> 1: set ComputeCount: 1 in your environment files, or the next overcloud deploy scales Compute back to 2');
    const outputs = JSON.parse((await rpc<object, { outputsJson: string }>(d, 'getOutputs', { name: 'overcloud' })).outputsJson) as Record<string, unknown>;
    expect(outputs.compute_hosts).toEqual(['overcloud-novacompute-1']);
    expect(outputs.controller_hosts).toEqual(['overcloud-controller-0']);

    const json = await oc(d, ['-f', 'json', 'node', 'delete', 'overcloud-novacompute-1', '--yes']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'overcloud', action: 'UPDATE', status: 'COMPLETE',
      removed: [{ target: 'overcloud-novacompute-1', hostname: 'overcloud-novacompute-1', node_id: expect.stringMatching(/^fake-node-/), group: 'Compute', member: '1' }],
      counts: [{ group: 'Compute', count_parameter: 'ComputeCount', from: 1, to: 0 }],
    });
  });
});
