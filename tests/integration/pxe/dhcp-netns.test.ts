/**
 * dnsmasq as the daemon runs it (DnsmasqSupervisor), inside a network namespace this test creates, with a
 * DHCP client (busybox udhcpc) in a second namespace on the other end of a veth pair: an enrolled MAC gets
 * a lease and the iPXE boot file, an unknown MAC gets nothing until it is enrolled, a removed MAC is
 * forgotten, and a killed dnsmasq is restarted. Everything is torn down afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DnsmasqSupervisor } from '../../../undercloud/pxe/dnsmasq.js';
import { silentLogger } from '../../../undercloud/daemon/logging.js';
import { requireTools } from '../../helpers/tools.js';
import { ROOT } from '../../helpers/daemon.js';

const id = randomBytes(3).toString('hex');
const SRV = `ucpxe-s-${id}`;
const CLI = `ucpxe-c-${id}`;
const VS = `vps${id}`;
const VC = `vpc${id}`;
const KNOWN = '52:54:00:77:00:01';
const UNKNOWN = '52:54:00:77:00:02';
let dir: string;
let dnsmasq: DnsmasqSupervisor;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs udhcpc once with `mac` on the client end; returns the lease it reported, or undefined. */
function dhcp(mac: string): Record<string, string> | undefined {
  sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', VC, 'down']);
  sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', VC, 'address', mac]);
  sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', VC, 'up']);
  const out = path.join(dir, 'lease.env');
  rmSync(out, { force: true });
  spawnSync('ip', ['netns', 'exec', CLI, 'busybox', 'udhcpc', '-B', '-i', VC, '-f', '-q', '-n', '-t', '3', '-T', '1', '-s', path.join(dir, 'udhcpc.sh')], { stdio: 'ignore', timeout: 20_000 });
  if (!existsSync(out)) return undefined;
  return Object.fromEntries(readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
}

beforeAll(async () => {
  requireTools([['dnsmasq', 'dnsmasq-base'], ['busybox', 'busybox'], ['ip', 'iproute2']]);
  if (!existsSync('/usr/lib/ipxe/undionly.kpxe')) throw new Error('/usr/lib/ipxe is missing: apt-get install ipxe');
  dir = mkdtempSync(path.join(tmpdir(), 'uc-pxe-'));
  chmodSync(dir, 0o755); // dnsmasq drops root after start-up and must still reach tftp/ and hosts/
  writeFileSync(path.join(dir, 'udhcpc.sh'), `#!/bin/sh\n[ "$1" = bound ] && printf 'ip=%s\\nboot_file=%s\\nsiaddr=%s\\n' "$ip" "$boot_file" "$siaddr" > ${dir}/lease.env\nexit 0\n`);
  chmodSync(path.join(dir, 'udhcpc.sh'), 0o755);
  sh('ip', ['netns', 'add', SRV]);
  sh('ip', ['netns', 'add', CLI]);
  sh('ip', ['link', 'add', VS, 'netns', SRV, 'type', 'veth', 'peer', 'name', VC, 'netns', CLI]);
  sh('ip', ['netns', 'exec', SRV, 'ip', 'addr', 'add', '10.77.0.1/24', 'dev', VS]);
  sh('ip', ['netns', 'exec', SRV, 'ip', 'link', 'set', VS, 'up']);
  sh('ip', ['netns', 'exec', SRV, 'ip', 'link', 'set', 'lo', 'up']);
  sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', 'lo', 'up']);
  dnsmasq = new DnsmasqSupervisor({
    binary: 'dnsmasq', dir: path.join(dir, 'dnsmasq'), ipxeDir: '/usr/lib/ipxe', wrapper: ['ip', 'netns', 'exec', SRV], log: silentLogger(),
    settings: {
      interface: VS, serverIp: '10.77.0.1', dhcpStart: '10.77.0.50', dhcpEnd: '10.77.0.60', netmask: '255.255.255.0', leaseTime: '1h',
      gateway: undefined, nameservers: [], tftpRoot: path.join(dir, 'tftp'), bootScriptUrl: 'http://10.77.0.1:8088/boot.ipxe',
    },
  });
  dnsmasq.prepare();
  dnsmasq.setHosts(new Map([['node-a', [KNOWN]]]));
  dnsmasq.start();
  await new Promise((r) => setTimeout(r, 1000));
});

afterAll(async () => {
  await dnsmasq?.stop();
  spawnSync('ip', ['netns', 'del', CLI]);
  spawnSync('ip', ['netns', 'del', SRV]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dnsmasq on the provisioning network', () => {
  it('gives an enrolled MAC a lease and the iPXE boot file over TFTP', () => {
    const lease = dhcp(KNOWN);
    expect(lease, dnsmasq.recentOutput).toBeDefined();
    expect(lease!.ip).toMatch(/^10\.77\.0\.(5\d|60)$/);
    expect(lease!.boot_file).toBe('undionly.kpxe');
    expect(lease!.siaddr).toBe('10.77.0.1');
    expect(readFileSync(path.join(dir, 'tftp', 'undionly.kpxe')).length).toBeGreaterThan(10_000);
  });

  it('ignores a MAC that is not enrolled', async () => {
    expect(dhcp(UNKNOWN)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200)); // let the piped log arrive
    expect(dnsmasq.recentOutput).toMatch(/DHCPDISCOVER\(\S+\) 52:54:00:77:00:02 ignored/);
  });

  it('answers a newly enrolled MAC once its host file is written', async () => {
    dnsmasq.setHosts(new Map([['node-a', [KNOWN]], ['node-b', [UNKNOWN]]]));
    await new Promise((r) => setTimeout(r, 500)); // dnsmasq picks new host files up by inotify
    expect(dhcp(UNKNOWN)?.boot_file).toBe('undionly.kpxe');
  });

  it('forgets a MAC whose node was deleted (dnsmasq is restarted for removals)', async () => {
    const pid = dnsmasq.pid;
    dnsmasq.setHosts(new Map([['node-a', [KNOWN]]]));
    for (let i = 0; i < 50 && dnsmasq.pid === pid; i++) await new Promise((r) => setTimeout(r, 100));
    expect(dnsmasq.pid).not.toBe(pid);
    await new Promise((r) => setTimeout(r, 700));
    expect(dhcp(UNKNOWN)).toBeUndefined();
    expect(dnsmasq.restarts).toBe(0); // a reload is not a crash
  });

  it("the deploy ramdisk's DHCP client, run as its init runs it, keeps trying until it is answered", async () => {
    // The ramdisk's MAC is unknown to dnsmasq for longer than udhcpc's foreground tries (as when the DHCP
    // server is busy or restarting while the node boots): the lease must still come once it is enrolled.
    const init = readFileSync(path.join(ROOT, 'disk-image-builder', 'elements', 'deploy-ramdisk', 'files', 'init'), 'utf8');
    const line = init.split('\n').find((l) => /^\s*busybox udhcpc /.test(l));
    expect(line, 'the ramdisk init runs busybox udhcpc').toBeDefined();
    const args = line!.trim().replace(/\s*>\/dev\/null.*$/, '').split(/\s+/).slice(2)
      .map((a) => (a === '"$n"' ? VC : a === '/usr/share/undercloud/udhcpc.script' ? path.join(dir, 'udhcpc.sh') : a));
    expect(args).toContain('-b'); // goes on in the background rather than giving up
    const LATE = '52:54:00:77:00:03';
    sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', VC, 'down']);
    sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', VC, 'address', LATE]);
    sh('ip', ['netns', 'exec', CLI, 'ip', 'link', 'set', VC, 'up']);
    const out = path.join(dir, 'lease.env');
    rmSync(out, { force: true });
    const t0 = Date.now();
    // The init waits for this command: it must come back (udhcpc forks into the background) with no lease yet.
    const fg = spawnSync('ip', ['netns', 'exec', CLI, 'busybox', 'udhcpc', ...args], { stdio: 'ignore', timeout: 60_000 });
    expect(fg.status).toBe(0);
    expect(existsSync(out)).toBe(false);
    try {
      dnsmasq.setHosts(new Map([['node-a', [KNOWN]], ['node-late', [LATE]]]));
      for (let i = 0; i < 300 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(out, 'utf8'), `no lease ${(Date.now() - t0) / 1000} s after udhcpc started`).toMatch(/^ip=10\.77\.0\.(5\d|60)$/m);
    } finally {
      for (const pid of spawnSync('ip', ['netns', 'pids', CLI], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) spawnSync('kill', [pid]);
      const pid = dnsmasq.pid;
      dnsmasq.setHosts(new Map([['node-a', [KNOWN]]])); // a removal restarts dnsmasq: wait for the new one
      for (let i = 0; i < 50 && dnsmasq.pid === pid; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 700));
    }
  }, 90_000);

  it('restarts dnsmasq when it dies', async () => {
    const before = dnsmasq.pid!;
    process.kill(before, 'SIGKILL');
    for (let i = 0; i < 50 && (dnsmasq.pid === before || dnsmasq.restarts === 0); i++) await new Promise((r) => setTimeout(r, 100));
    expect(dnsmasq.restarts).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(dhcp(KNOWN)?.boot_file).toBe('undionly.kpxe');
  });
});
