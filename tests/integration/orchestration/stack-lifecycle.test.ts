/**
 * Stacks through the real daemon and the real CLI, with fake servers and fake agents: create, no-op update,
 * scale up, scale down with a removal policy, a failing deployment and `overcloud failures`, dry-run, a
 * daemon killed mid-create that resumes, and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestDaemon, runCli, OVERCLOUD_BIN, type TestDaemon } from '../../helpers/daemon.js';

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

interface StatusView { stack_status: string; deployment_status: string; resources: Record<string, number> }
interface ResourceView { stack: string; name: string; type: string; state: string }
interface EventView { kind: string; data: { resource?: string; stackName?: string } }

describe('orchestration through the daemon', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon({ extraConfig: '[orchestration]\nserver_driver = fake\nagent_driver = fake\npoll_max_ms = 100' });
  });
  afterAll(async () => {
    await d?.stop();
    d?.cleanup();
  });

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
    const outputs = await json<Record<string, unknown>>(d, ['stack', 'outputs']);
    expect(outputs.compute_hosts).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1']);
    expect(String(outputs.password)).toHaveLength(16);
  });

  it('a no-op update touches no resource', async () => {
    const before = await json<EventView[]>(d, ['stack', 'events', '--limit', '10000']);
    const pw = (await json<Record<string, unknown>>(d, ['stack', 'outputs'])).password;
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const after = await json<EventView[]>(d, ['stack', 'events', '--limit', '10000']);
    const newResourceEvents = after.slice(before.length).filter((e) => e.kind.startsWith('stack.resource.'));
    expect(newResourceEvents).toEqual([]);
    expect((await json<Record<string, unknown>>(d, ['stack', 'outputs'])).password).toBe(pw);
    expect((await json<StatusView>(d, ['status'])).stack_status).toBe('UPDATE_COMPLETE');
  });

  it('scales compute up, then down removing member 0', async () => {
    let r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await json<Record<string, unknown>>(d, ['stack', 'outputs'])).compute_hosts).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-novacompute-2']);
    r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const outputs = await json<Record<string, unknown>>(d, ['stack', 'outputs']);
    expect(outputs.compute_hosts).toEqual(['overcloud-novacompute-1', 'overcloud-novacompute-2']);
    const resources = await json<ResourceView[]>(d, ['stack', 'resources', '--nested']);
    expect(resources.filter((x) => x.type === 'OS::TripleO::Server')).toHaveLength(3);
  });

  it('reports a failed deployment with its log tail', async () => {
    const r = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml'), '-e', env('fail.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('UPDATE_FAILED');
    const f = await oc(d, ['failures']);
    expect(f.stdout).toContain('Deployment');
    expect(f.stdout).toContain('fake agent: failed as asked');
    expect((await json<StatusView>(d, ['status']).catch(() => ({ deployment_status: '' }) as StatusView)).deployment_status).toBe('DEPLOY_FAILED');
    // Fixing the template converges again.
    const ok = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml')]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
  });

  it('resumes an update after the daemon is killed mid-way', async () => {
    const started = await oc(d, ['deploy', '--templates', TEMPLATES, '-e', env('env.yaml'), '-e', env('scale-down.yaml'), '-e', env('slow.yaml'), '--no-wait']);
    expect(started.code, started.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 700));
    await d.kill();
    await d.restart();
    const st = await oc(d, ['status', '--watch', '--format', 'json']);
    const view = JSON.parse(st.stdout) as StatusView;
    // The fake agent lost its in-memory deployments with the daemon: the resumed polls find them gone, and the
    // stack ends deterministically (here: FAILED with the agent's reason) instead of staying IN_PROGRESS.
    expect(['UPDATE_COMPLETE', 'UPDATE_FAILED']).toContain(view.stack_status);
    const events = await json<EventView[]>(d, ['stack', 'events', '--limit', '10000']);
    expect(events.some((e) => e.kind === 'stack.state.UPDATE_IN_PROGRESS')).toBe(true);
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
