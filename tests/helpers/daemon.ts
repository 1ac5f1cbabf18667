/**
 * Starts a real undercloud daemon for an integration test: its own temporary directory, config, socket and
 * store, as a child process running the built CLI (dist/; `npm test` builds first). Extra config lines
 * (domain sections) can be passed. Call stop() (SIGTERM), kill() (SIGKILL) or restart().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, type Client } from '@grpc/grpc-js';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const UNDERCLOUD_BIN = path.join(ROOT, 'bin', 'undercloud');
export const OVERCLOUD_BIN = path.join(ROOT, 'bin', 'overcloud');

export interface TestDaemon {
  dir: string;
  configFile: string;
  socketPath: string;
  storePath: string;
  logFile: string;
  process: ChildProcess;
  output: () => string;
  client<C extends Client>(ctor: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => C): C;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  cleanup(): void;
}

export interface TestDaemonOptions {
  /** Extra lines appended to undercloud.conf (e.g. "[agents]\nheartbeat_timeout = 2"). */
  extraConfig?: string;
  /** Extra [DEFAULT] keys. */
  defaults?: Record<string, string>;
  dir?: string;
}

export function writeTestConfig(dir: string, opts: TestDaemonOptions = {}): string {
  const configFile = path.join(dir, 'undercloud.conf');
  const defaults = { state_dir: './state', pki_dir: './pki', socket_path: './run/uc.sock', log_file: './log/undercloud.log', shutdown_grace_seconds: '5', agent_listen: '127.0.0.1:0', ...opts.defaults };
  const text = '[DEFAULT]\n' + Object.entries(defaults).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n' + (opts.extraConfig ? `\n${opts.extraConfig}\n` : '');
  writeFileSync(configFile, text);
  return configFile;
}

async function waitFor(cond: () => boolean, ms: number, what: string, out: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; daemon output:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startTestDaemon(opts: TestDaemonOptions = {}): Promise<TestDaemon> {
  if (!existsSync(path.join(ROOT, 'dist', 'undercloud', 'cli', 'undercloud.js'))) {
    throw new Error('the undercloud is not built: run "npm run build" (npm test does it) before the integration tests');
  }
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'uc-test-'));
  const configFile = writeTestConfig(dir, opts);
  const socketPath = path.join(dir, 'run', 'uc.sock');
  let buf = '';
  const clients: Client[] = [];
  const d: TestDaemon = {
    dir, configFile, socketPath, storePath: path.join(dir, 'state', 'undercloud.sqlite'), logFile: path.join(dir, 'log', 'undercloud.log'),
    process: undefined as unknown as ChildProcess,
    output: () => buf,
    client(ctor) {
      const c = new ctor(`unix://${socketPath}`, credentials.createInsecure());
      clients.push(c);
      return c;
    },
    async stop() {
      clients.splice(0).forEach((c) => c.close());
      if (d.process.exitCode !== null || d.process.signalCode !== null) return d.process.exitCode;
      const exited = new Promise<number | null>((r) => d.process.once('exit', (code) => r(code)));
      d.process.kill('SIGTERM');
      return exited;
    },
    async kill() {
      clients.splice(0).forEach((c) => c.close());
      if (d.process.exitCode !== null || d.process.signalCode !== null) return;
      const exited = new Promise((r) => d.process.once('exit', r));
      d.process.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await d.stop();
      await launch();
    },
    cleanup() {
      if (d.process.exitCode === null && d.process.signalCode === null) d.process.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const launch = async () => {
    buf = '';
    d.process = spawn(process.execPath, [UNDERCLOUD_BIN, 'daemon', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    d.process.stdout!.on('data', (b: Buffer) => (buf += b.toString()));
    d.process.stderr!.on('data', (b: Buffer) => (buf += b.toString()));
    await waitFor(() => buf.includes('undercloud daemon running') || d.process.exitCode !== null, 30_000, 'the daemon to start', () => buf);
    if (d.process.exitCode !== null) throw new Error(`the daemon exited with ${d.process.exitCode}:\n${buf}`);
  };
  await launch();
  return d;
}

/**
 * Runs a CLI (undercloud or overcloud) against a test daemon's config; resolves with its output and code. It
 * runs in the config's folder (its nearest existing one: `install` makes it), so what a command writes to "." (a deploy's STACKrc, a backup's default
 * archive) stays in the test's temporary folder, not in the repository.
 */
export function runCli(bin: string, args: string[], configFile: string, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, '--config', configFile, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: existingFolderOf(configFile) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

export function readLog(d: TestDaemon): string {
  return existsSync(d.logFile) ? readFileSync(d.logFile, 'utf8') : '';
}

/** Fake servers and agents, fast polling: the daemon the orchestration tests converge stacks against. */
export const FAKE_ORCHESTRATION_CONFIG = '[orchestration]\nserver_driver = fake\nagent_driver = fake\npoll_max_ms = 100';

/**
 * Starts a test daemon before the tests of the calling describe block and stops and removes it after them;
 * `set` receives it (assign it to the block's variable).
 */
export function daemonForBlock(opts: TestDaemonOptions, set: (d: TestDaemon) => void): void {
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    d = await startTestDaemon(opts);
    set(d);
  });
  afterAll(async () => {
    await d?.stop();
    d?.cleanup();
  });
}

function existingFolderOf(file: string): string {
  let dir = path.dirname(path.resolve(file));
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
