/**
 * Real NBD servers on private unix sockets (or loopback TCP), for the benchmark and the interop tests:
 * nbdkit with any plugin and filters, qemu-nbd, nbd-server. Each start waits until the server listens
 * (pid file or socket) and `stop()` ends exactly the process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RunningServer {
  /** NBD URI of the export. */
  uri: string;
  socket: string;
  proc: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

const PACKAGE: Record<string, string> = { nbdkit: 'nbdkit', 'qemu-nbd': 'qemu-utils', 'nbd-server': 'nbd-server', nbdcopy: 'libnbd-bin', 'qemu-img': 'qemu-utils' };

async function canConnect(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path: sock });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function startProcess(cmd: string, args: string[], sock: string, uri: string, ready: () => Promise<boolean>): Promise<RunningServer> {
  if (!sock.includes(':')) rmSync(sock, { force: true });
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let exited: string | undefined;
  let spawnError: Error | undefined;
  proc.on('error', (e) => (spawnError = e));
  proc.on('exit', (code, sig) => (exited = `exited with ${code ?? sig}`));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot run ${cmd} (install the Debian package ${PACKAGE[cmd] ?? cmd}): ${spawnError.message}`);
    if (exited && exited !== 'exited with 0') throw new Error(`${cmd} ${exited}: ${err.trim()}`);
    if (await ready()) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${cmd} did not start listening within 15 s: ${err.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    uri, socket: sock, proc, stderr: () => err,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.kill('SIGTERM');
    }),
  };
}

/** nbdkit in the foreground; `args` are filters/plugin/params, e.g. ['--filter=delay', 'memory', '64M', 'delay-write=10ms']. */
export async function startNbdkit(dir: string, name: string, args: string[], extra: string[] = []): Promise<RunningServer> {
  const sock = path.join(dir, `${name}.sock`);
  const pid = path.join(dir, `${name}.pid`);
  rmSync(pid, { force: true });
  return startProcess('nbdkit', ['-f', '--exit-with-parent', '-U', sock, '-P', pid, ...extra, ...args], sock, `nbd+unix:///?socket=${sock}`, async () => existsSync(pid));
}

/** nbdkit on a loopback TCP port (for nbd:// and nbds:// URIs with an IP address). */
export async function startNbdkitTcp(dir: string, name: string, port: number, args: string[], extra: string[] = []): Promise<RunningServer> {
  const pid = path.join(dir, `${name}.pid`);
  rmSync(pid, { force: true });
  return startProcess('nbdkit', ['-f', '--exit-with-parent', '-i', '127.0.0.1', '-p', `${port}`, '-P', pid, ...extra, ...args], `127.0.0.1:${port}`, `nbd://127.0.0.1:${port}/`, async () => existsSync(pid));
}

/** qemu-nbd serving a file (raw or qcow2), writable unless readOnly. */
export async function startQemuNbd(dir: string, name: string, file: string, format: 'raw' | 'qcow2', opts: { readOnly?: boolean; exportName?: string } = {}): Promise<RunningServer> {
  const sock = path.join(dir, `${name}.sock`);
  const exportName = opts.exportName ?? '';
  const args = ['--persistent', '--shared=8', `--format=${format}`, `--socket=${sock}`, '--cache=writeback', ...(exportName ? [`--export-name=${exportName}`] : []), ...(opts.readOnly ? ['--read-only'] : []), file];
  return startProcess('qemu-nbd', args, sock, `nbd+unix:///${exportName}?socket=${sock}`, () => canConnect(sock));
}

/**
 * nbd-server (the reference server) with one named export on a loopback TCP port. It daemonizes (its -d
 * mode serves one connection only), so it is stopped through its pid file.
 */
export async function startNbdServer(dir: string, name: string, file: string, port: number): Promise<RunningServer> {
  const conf = path.join(dir, `${name}.conf`);
  const pidFile = path.join(dir, `${name}.nbd-server.pid`);
  rmSync(pidFile, { force: true });
  writeFileSync(conf, `[generic]\nlistenaddr = 127.0.0.1\nport = ${port}\nallowlist = true\n[${name}]\nexportname = ${file}\nflush = true\ntrim = true\n`);
  const probe = async () => new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  const parent = await startProcess('nbd-server', ['-C', conf, '-p', pidFile], `127.0.0.1:${port}`, `nbd://127.0.0.1:${port}/${name}`, async () => existsSync(pidFile) && probe());
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    ...parent,
    stop: async () => {
      const p = pid;
      try {
        process.kill(p, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 250; i++) {
        try {
          process.kill(p, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      process.kill(p, 'SIGKILL');
    },
  };
}

export { PACKAGE as DEBIAN_PACKAGE };
