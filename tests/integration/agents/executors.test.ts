/**
 * Every executor through a real agent process and the real daemon, each run twice to show idempotency
 * (the second run reports changed = false). apt and systemd are faked on PATH; the inventory, disk and
 * file steps work under a fake root; power steps use --dry-run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMachine, fakeTools } from '../../fixtures/agents/fake-tools.js';
import { startAgent, startLab, waitUntil, type AgentLab, type AgentProcess, waitConnected } from './harness.js';
import { tempDir } from '../../helpers/tmp.js';

let lab: AgentLab;
let nodeAgent: AgentProcess;
let ramdiskAgent: AgentProcess;
let fake: ReturnType<typeof fakeTools>;
const root = tempDir('agent-root-');
let n = 0;

const run = async (nodeId: string, kind: string, params: object, timeoutMs = 30_000) => {
  const r = await lab.run({ nodeId, kind, paramsJson: JSON.stringify(params), stepId: `${kind}-${++n}`, timeoutMs });
  return { ...r, outputs: JSON.parse(r.outputsJson || '{}') as Record<string, unknown> };
};

beforeAll(async () => {
  lab = await startLab();
  fake = fakeTools(tempDir('agent-fakes-'));
  fakeMachine(root);
  nodeAgent = startAgent(lab, { nodeId: 'node-1', token: await lab.token('node-1'), root, env: fake.env });
  ramdiskAgent = startAgent(lab, { nodeId: 'ramdisk-1', token: await lab.token('ramdisk-1'), root, mode: 'ramdisk', dryRun: false, env: fake.env });
  await waitConnected(lab, { 'node-1': nodeAgent, 'ramdisk-1': ramdiskAgent });
});
afterAll(async () => {
  await nodeAgent?.kill();
  await ramdiskAgent?.kill();
  await lab?.close();
});

describe('executors', () => {
  it('script: inputs as env vars and files, heat outputs, deploy_* outputs; the same config twice runs once', async () => {
    const params = {
      name: 'hello-config',
      script: '#!/bin/sh\necho "greeting=$greeting"\necho "from file: $(cat $heat_inputs_dir/greeting)"\necho warn >&2\nprintf "%s world" "$greeting" > "$heat_outputs_path.result"\n',
      inputs: [{ name: 'greeting', value: 'hello' }],
      outputs: [{ name: 'result' }],
    };
    const first = await run('node-1', 'script', params);
    expect(first.state).toBe('succeeded');
    expect(first.changed).toBe(true);
    expect(first.outputs).toMatchObject({ deploy_stdout: 'greeting=hello\nfrom file: hello\n', deploy_stderr: 'warn\n', deploy_status_code: 0, result: 'hello world' });
    const second = await run('node-1', 'script', params);
    expect(second.state).toBe('succeeded');
    expect(second.changed).toBe(false);
    expect(second.outputs.result).toBe('hello world');
  });

  it('script: a non-zero status fails the step with the outputs and a stable code', async () => {
    const r = await run('node-1', 'script', { script: 'echo boom >&2; exit 7', interpreter: '/bin/sh' });
    expect(r.state).toBe('failed');
    expect(r.errorCode).toBe('script_failed');
    expect(r.outputs).toMatchObject({ deploy_status_code: 7, deploy_stderr: 'boom\n' });
  });

  it('script: a step that exceeds its timeout fails with "timeout"', async () => {
    const r = await run('node-1', 'script', { script: 'sleep 10', always: true }, 500);
    expect(r.state).toBe('failed');
    expect(r.errorCode).toBe('timeout');
  });

  it('file: content, mode and owner, atomically; unchanged the second time', async () => {
    const params = { path: '/etc/app/app.conf', content: 'key = value\n', mode: '0640', owner: 'root', group: 'root' };
    const first = await run('node-1', 'file', params);
    expect(first.changed).toBe(true);
    const f = path.join(root, 'etc/app/app.conf');
    expect(readFileSync(f, 'utf8')).toBe('key = value\n');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    const mtime = statSync(f).mtimeMs;
    const second = await run('node-1', 'file', params);
    expect(second.state).toBe('succeeded');
    expect(second.changed).toBe(false);
    expect(statSync(f).mtimeMs).toBe(mtime);
  });

  it('package: installs through apt once; present packages are left alone', async () => {
    const first = await run('node-1', 'package', { names: ['chrony', 'lldpd'] });
    expect(first.changed).toBe(true);
    const second = await run('node-1', 'package', { names: ['chrony', 'lldpd'] });
    expect(second.changed).toBe(false);
    const calls = readFileSync(path.join(fake.state, 'calls'), 'utf8').split('\n').filter((l) => l.startsWith('apt-get'));
    expect(calls).toEqual(['apt-get install -y --no-install-recommends chrony lldpd']);
  });

  it('service: enable and start once; restart always acts', async () => {
    const first = await run('node-1', 'service', { name: 'chrony.service', enabled: true, state: 'started' });
    expect(first.changed).toBe(true);
    expect(first.outputs.actions).toEqual(['enabled', 'started']);
    const second = await run('node-1', 'service', { name: 'chrony.service', enabled: true, state: 'started' });
    expect(second.changed).toBe(false);
    const restart = await run('node-1', 'service', { name: 'chrony.service', state: 'restarted' });
    expect(restart.outputs.actions).toEqual(['restarted']);
  });

  it('inventory: CPUs, memory, disks, NICs and DMI from /proc and /sys', async () => {
    const r = await run('ramdisk-1', 'inventory', {});
    expect(r.changed).toBe(false);
    const inv = r.outputs.inventory as { cpu: unknown; memory: { totalBytes: number }; disks: unknown[]; interfaces: unknown[]; system: Record<string, string> };
    expect(inv.cpu).toMatchObject({ count: 2, model: 'Fake CPU @ 2.00GHz' });
    expect(inv.memory.totalBytes).toBe(8167848 * 1024);
    expect(inv.disks).toEqual([
      { name: 'nvme0n1', sizeBytes: 2097152 * 512, model: 'Fake NVMe', serial: 'NV-9', vendor: '', rotational: false, wwn: '' },
      { name: 'sda', sizeBytes: 41943040 * 512, model: 'QEMU HARDDISK', serial: 'SER-123', vendor: '', rotational: true, wwn: '' },
    ]);
    expect(inv.interfaces).toEqual([{ name: 'eth0', mac: '52:54:00:12:34:56', link: true, operstate: 'up', speedMbps: 1000 }]);
    expect(inv.system).toMatchObject({ sys_vendor: 'QEMU', product_name: 'Standard PC (Q35)', product_serial: 'VM-0001' });
  });

  it('disk_wipe: zeroes the metadata areas once; a clean disk is left alone', async () => {
    const first = await run('ramdisk-1', 'disk_wipe', { device: '/dev/vdb' });
    expect(first.changed).toBe(true);
    const disk = readFileSync(path.join(root, 'dev/vdb'));
    expect(disk.subarray(0, 1024 * 1024).every((b) => b === 0)).toBe(true);
    expect(disk.subarray(disk.length - 1024 * 1024).every((b) => b === 0)).toBe(true);
    const second = await run('ramdisk-1', 'disk_wipe', { device: '/dev/vdb' });
    expect(second.changed).toBe(false);
  });

  it('a node-mode agent refuses ramdisk-only steps', async () => {
    const r = await run('node-1', 'disk_wipe', { device: '/dev/vdb' });
    expect(r.state).toBe('failed');
    expect(r.errorCode).toBe('unsupported_kind');
  });

  it('disk_export: serves the disk over NBD with nbdkit; a running export is reused', async () => {
    if (!existsSync('/usr/sbin/nbdkit') && !existsSync('/usr/bin/nbdkit')) throw new Error('nbdkit is missing: apt-get install nbdkit');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const first = await run('ramdisk-1', 'disk_export', { device: '/dev/vdb', port, bind: '127.0.0.1' });
    expect(first.state, first.errorMessage).toBe('succeeded');
    expect(first.changed).toBe(true);
    try {
      const size = execFileSync('nbdinfo', ['--size', `nbd://127.0.0.1:${port}`], { encoding: 'utf8' }).trim();
      expect(Number(size)).toBe(4 * 1024 * 1024);
      const second = await run('ramdisk-1', 'disk_export', { device: '/dev/vdb', port, bind: '127.0.0.1' });
      expect(second.changed).toBe(false);
    } finally {
      process.kill(first.outputs.pid as number, 'SIGTERM');
    }
  });
});

describe('power steps (dry run)', () => {
  it('power_off reports first, then acts', async () => {
    const a = startAgent(lab, { nodeId: 'ramdisk-2', token: await lab.token('ramdisk-2'), mode: 'ramdisk', dryRun: true, root });
    try {
      await waitConnected(lab, { 'ramdisk-2': a });
      const r = await run('ramdisk-2', 'power_off', { delay_ms: 0 });
      expect(r.state).toBe('succeeded');
      await waitUntil(() => existsSync(path.join(a.stateDir, 'power-actions.log')), 5000, 'the dry-run power action');
      expect(readFileSync(path.join(a.stateDir, 'power-actions.log'), 'utf8')).toMatch(/ poweroff\n$/);
    } finally {
      await a.kill();
    }
  });
});
