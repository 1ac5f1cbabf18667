/**
 * Stacks through the real daemon and the real CLI, with fake servers and fake agents: create, no-op update,
 * scale up, scale down with a removal policy, a failing deployment and `overcloud failures`, dry-run, a
 * daemon killed mid-create that resumes, and delete.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { runCli, OVERCLOUD_BIN, type TestDaemon, daemonForBlock, FAKE_ORCHESTRATION_CONFIG } from '../../helpers/daemon.js';
import { OrchestrationClient, type Resource } from '../../../proto/gen/undercloud/v1/orchestration.js';

const TEMPLATES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'overcloud');
const env = (name: string) => path.join(TEMPLATES, name);

async function oc(d: TestDaemon, args: string[]) {
  return runCli(OVERCLOUD_BIN, args, d.configFile);
}

async function json<T>(d: TestDaemon, args: string[]): Promise<T> {
  const r = await oc(d, [...args, '--format', 'json']);
  if (r.code !== 0) throw new Error(`overcloud ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

// Reads go straight over gRPC (a CLI start costs seconds on a loaded CI machine); actions go through the CLI.
function rpc<Req, Res>(d: TestDaemon, method: 'getOutputs' | 'listStackEvents' | 'listResources', req: Req): Promise<Res> {
  const c = d.client(OrchestrationClient);
  const fn = c[method] as unknown as (r: Req, md: Metadata, o: object, cb: (e: Error | null, r: Res) => void) => void;
  return new Promise((resolve, reject) => fn.call(c, req, new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))));
}

async function outputs(d: TestDaemon): Promise<Record<string, unknown>> {
  return JSON.parse((await rpc<object, { outputsJson: string }>(d, 'getOutputs', { name: 'overcloud' })).outputsJson) as Record<string, unknown>;
}

async function events(d: TestDaemon): Promise<EventView[]> {
  const res = await rpc<object, { events: { kind: string; dataJson: string }[] }>(d, 'listStackEvents', { name: 'overcloud', afterId: 0, limit: 10_000 });
  return res.events.map((e) => ({ kind: e.kind, data: JSON.parse(e.dataJson) as EventView['data'] }));
}

async function resources(d: TestDaemon): Promise<Resource[]> {
  return (await rpc<object, { resources: Resource[] }>(d, 'listResources', { name: 'overcloud', nested: true })).resources;
}

interface StatusView { stack_status: string; deployment_status: string; resources: Record<string, number> }
interface EventView { kind: string; data: { resource?: string; stackName?: string } }

describe('orchestration through the daemon', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: FAKE_ORCHESTRATION_CONFIG }, (x) => (d = x));

  it('dry-run prints the plan and creates nothing', async () => {
    const plan = await json<{ resources: { name: string; action: string; properties: Record<string, unknown> }[] }>(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '--dry-run']);
    expect(plan.resources.map((r) => `${r.name}:${r.action}`).sort()).toEqual(['Compute:create', 'Controller:create', 'Password:create']);
    expect(plan.resources.find((r) => r.name === 'Password')!.properties).toEqual({ length: 16 });
    const st = await oc(d, ['status']);
    expect(st.code).toBe(5);
  });

  it('creates the overcloud', async () => {
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml')]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('CREATE_COMPLETE');
    const st = await json<StatusView>(d, ['status']);
    expect(st.deployment_status).toBe('DEPLOY_SUCCESS');
    // 3 top-level + 3 members x (1 member resource + 3 inside).
    expect(st.resources.CREATE_COMPLETE).toBe(3 + 3 * 4);
    const out = await json<Record<string, unknown>>(d, ['stack', 'outputs']);
    expect(out.compute_hosts).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1']);
    expect(String(out.password)).toHaveLength(16);
  });

  it('a no-op update touches no resource', async () => {
    const before = await events(d);
    const pw = (await outputs(d)).password;
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const after = await events(d);
    const newResourceEvents = after.slice(before.length).filter((e) => e.kind.startsWith('stack.resource.'));
    expect(newResourceEvents).toEqual([]);
    expect((await outputs(d)).password).toBe(pw);
    expect(after.at(-1)!.kind).toBe('stack.state.UPDATE_COMPLETE');
  });

  it('scales compute up, then down removing member 0', async () => {
    let r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await outputs(d)).compute_hosts).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-novacompute-2']);
    // An update that removes servers says which first: --dry-run lists them, and without a terminal it wants --yes.
    const dry = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml'), '--dry-run']);
    expect(dry.stdout).toMatch(/removes server overcloud-novacompute-0 \(Compute\/0\/Server, node fake-node-\d+\)/);
    r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('refusing to remove 1 server(s) from stack overcloud (overcloud-novacompute-0; did an environment file that sets a count go missing?) without --yes');
    expect((await outputs(d)).compute_hosts).toHaveLength(3);
    r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml'), '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect((await outputs(d)).compute_hosts).toEqual(['overcloud-novacompute-1', 'overcloud-novacompute-2']);
    const servers = (await resources(d)).filter((x) => x.type === 'OS::TripleO::Server');
    expect(servers).toHaveLength(3);
    expect(servers.every((x) => x.action !== 'DELETE')).toBe(true);
  });

  it('reports a failed deployment with its log tail', async () => {
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml'), '-e', env('fail.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('UPDATE_FAILED');
    const f = await oc(d, ['failures']);
    expect(f.stdout).toContain('Deployment');
    expect(f.stdout).toContain('fake agent: failed as asked');
    const st = await oc(d, ['status', '--format', 'json']);
    expect(st.code).toBe(1);
    expect((JSON.parse(st.stdout) as StatusView).deployment_status).toBe('DEPLOY_FAILED');
    // Fixing the template converges again.
    const ok = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml')]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
  });

  it('resumes an update after the daemon is killed mid-way', async () => {
    const earlier = (await events(d)).length;
    const started = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml'), '-e', env('slow.yaml'), '--no-wait']);
    expect(started.code, started.stderr).toBe(0);
    // Kill once a deployment has been dispatched (its UPDATE_IN_PROGRESS row and handle are stored).
    const deadline = Date.now() + 20_000;
    while (!(await events(d)).slice(earlier).some((e) => e.kind === 'stack.resource.UPDATE_IN_PROGRESS' && e.data.resource === 'Deployment')) {
      if (Date.now() > deadline) throw new Error('no deployment started');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    await d.kill();
    await d.restart();
    const st = await oc(d, ['status', '--watch', '--format', 'json']);
    const view = JSON.parse(st.stdout) as StatusView;
    expect(view.stack_status, st.stderr).toBe('UPDATE_COMPLETE');
    const seen = (await events(d)).slice(earlier);
    // Deployments dispatched before the kill were polled again after the restart, not dispatched again.
    const resumed = seen.filter((e) => e.kind === 'stack.resource.UPDATE_COMPLETE' && (e.data as { reason?: string }).reason?.includes('resumed'));
    expect(resumed.length).toBeGreaterThan(0);
    for (const r of resumed) {
      const starts = seen.filter((e) => e.kind === 'stack.resource.UPDATE_IN_PROGRESS' && e.data.resource === r.data.resource && e.data.stackName === r.data.stackName);
      expect(starts).toHaveLength(1);
    }
    const ok = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml')]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
  });

  it('deletes the stack and everything in it', async () => {
    const r = await oc(d, ['delete', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const st = await oc(d, ['status']);
    expect(st.code).toBe(5);
  });
});
