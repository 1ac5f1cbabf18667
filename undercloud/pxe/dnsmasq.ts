/**
 * Supervises dnsmasq: writes its config and the per-node hosts directory, runs it in the foreground,
 * restarts it with backoff when it exits, and keeps the host list current when enrolled ports change
 * (new MACs through dnsmasq's inotify on dhcp-hostsdir, removed MACs through a restart; see setHosts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../daemon/logging.js';
import { renderDnsmasqConfig, renderHostsFile, type DnsmasqSettings } from './dnsmasq-config.js';

export interface DnsmasqOptions {
  binary: string;
  /** Working directory for dnsmasq.conf, hosts/, leases and pid. */
  dir: string;
  settings: Omit<DnsmasqSettings, 'hostsDir' | 'leaseFile' | 'pidFile'>;
  /** Where ipxe.efi and undionly.kpxe come from (Debian's ipxe package). */
  ipxeDir: string;
  /** Prefix for the command (e.g. ["ip", "netns", "exec", "lab0"]). */
  wrapper?: string[];
  log: Logger;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export const IPXE_FILES = ['ipxe.efi', 'undionly.kpxe'] as const;

export class DnsmasqSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs = 1000;
  private restartTimer: NodeJS.Timeout | undefined;
  private output = '';
  private knownMacs = new Set<string>();
  private reloading = false;
  readonly confFile: string;
  readonly hostsDir: string;
  restarts = 0;

  constructor(private readonly o: DnsmasqOptions) {
    this.confFile = path.join(o.dir, 'dnsmasq.conf');
    this.hostsDir = path.join(o.dir, 'hosts');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines dnsmasq wrote (for errors and tests). */
  get recentOutput(): string {
    return this.output;
  }

  prepare(): void {
    // dnsmasq drops root after start-up; it must still read the hosts directory and the TFTP root.
    mkdirSync(this.hostsDir, { recursive: true, mode: 0o755 });
    mkdirSync(this.o.settings.tftpRoot, { recursive: true, mode: 0o755 });
    for (const dir of [this.hostsDir, this.o.settings.tftpRoot]) {
      const closed = closedParent(dir);
      if (closed) throw new Error(`dnsmasq cannot reach ${dir} once it drops root: ${closed} is not searchable by others (chmod o+x ${closed}, or put state_dir elsewhere)`);
    }
    for (const f of IPXE_FILES) {
      const src = path.join(this.o.ipxeDir, f);
      if (!existsSync(src)) throw new Error(`${src} is missing (apt-get install ipxe)`);
      copyFileSync(src, path.join(this.o.settings.tftpRoot, f));
    }
    const settings: DnsmasqSettings = { ...this.o.settings, hostsDir: this.hostsDir, leaseFile: path.join(this.o.dir, 'dnsmasq.leases'), pidFile: path.join(this.o.dir, 'dnsmasq.pid') };
    writeFileSync(this.confFile, renderDnsmasqConfig(settings));
  }

  start(): void {
    this.stopping = false;
    this.prepare();
    this.spawnOnce();
  }

  /**
   * Rewrites the hosts directory from `hosts` (node name -> MACs). dnsmasq reads new and changed files by
   * itself (inotify). A removed MAC needs a reload, and dnsmasq 2.90 (Debian 12) crashes with SIGSEGV on
   * SIGHUP after an inotify re-read of the hosts directory, so removals restart it instead.
   */
  setHosts(hosts: ReadonlyMap<string, readonly string[]>): void {
    mkdirSync(this.hostsDir, { recursive: true, mode: 0o755 });
    const want = new Set<string>();
    const macs = new Set<string>();
    for (const [name, list] of hosts) {
      if (list.length === 0) continue;
      const file = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.hosts`;
      want.add(file);
      list.forEach((m) => macs.add(m));
      writeFileSync(path.join(this.hostsDir, file), renderHostsFile(name, list));
    }
    for (const f of readdirSync(this.hostsDir)) if (!want.has(f)) rmSync(path.join(this.hostsDir, f), { force: true });
    const removed = [...this.knownMacs].some((m) => !macs.has(m));
    this.knownMacs = macs;
    if (removed && this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.o.log.info('enrolled MACs were removed; restarting dnsmasq to forget them');
      this.reloading = true;
      this.child.kill('SIGTERM');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  private spawnOnce(): void {
    const args = ['--keep-in-foreground', '--log-facility=-', `--conf-file=${this.confFile}`];
    const [cmd, ...pre] = [...(this.o.wrapper ?? []), this.o.binary];
    const child = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-8192);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const started = Date.now();
    child.on('error', (err) => this.o.log.error('cannot start dnsmasq', { error: err.message }));
    child.on('exit', (code, signal) => {
      this.o.onExit?.(code, signal);
      if (this.stopping) return;
      if (this.reloading) {
        this.reloading = false;
        this.spawnOnce();
        return;
      }
      if (Date.now() - started > 30_000) this.backoffMs = 1000; // it ran for a while: start over
      this.o.log.warn('dnsmasq exited; restarting', { code, signal, inMs: this.backoffMs, output: this.output.slice(-500) });
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.spawnOnce();
      }, this.backoffMs);
      this.restartTimer.unref();
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    });
    this.o.log.info('dnsmasq started', { pid: child.pid, conf: this.confFile });
  }
}

/** True when users other than the owner may pass through `dir` (o+x): what dnsmasq and QEMU need, as they drop root. */
export function othersCanEnter(dir: string): boolean {
  return (statSync(dir).mode & 0o001) !== 0;
}

/** The first folder on the way to `dir` that others cannot enter, if any (dnsmasq and QEMU drop root). */
export function closedParent(dir: string): string | undefined {
  let cur = path.resolve(dir);
  const chain: string[] = [];
  while (true) {
    chain.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return chain.find((d) => !othersCanEnter(d));
}
