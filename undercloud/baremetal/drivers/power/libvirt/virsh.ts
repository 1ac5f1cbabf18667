/**
 * A thin typed wrapper over virsh (libvirt's own tool, so we depend on no native binding): one connection
 * URI, domain-level commands, and errors classified as transient (the daemon is unreachable) or not.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand, type CommandRunner } from '../../run-command.js';

export type DomainState = 'running' | 'shut off' | 'paused' | 'in shutdown' | 'crashed' | 'pmsuspended' | 'idle' | 'blocked' | 'no state';

/** virsh failed; `transient` when libvirtd could not be reached (worth a retry). */
export class VirshError extends Error {
  constructor(readonly args: readonly string[], readonly stderr: string, readonly transient: boolean) {
    super(`virsh ${args.join(' ')}: ${stderr.trim().replace(/^error: /gm, '').replace(/\n+/g, '; ') || 'failed'}`);
  }
}

const TRANSIENT = /failed to connect|Cannot recv data|Connection reset|End of file while reading|Resource temporarily unavailable|timed out/i;

export class Virsh {
  constructor(readonly uri: string, private readonly run: CommandRunner = runCommand) {}

  async exec(args: string[], signal: AbortSignal, input?: string): Promise<string> {
    const full = ['-c', this.uri, ...args];
    let r;
    try {
      r = await this.run('virsh', full, { signal, timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
    } catch (err) {
      if ((err as Error).name === 'CommandMissingError') throw err;
      throw new VirshError(args, (err as Error).message, true);
    }
    if (r.code !== 0) throw new VirshError(args, r.stderr || r.stdout, TRANSIENT.test(r.stderr));
    return r.stdout;
  }

  async domState(domain: string, signal: AbortSignal): Promise<DomainState> {
    return (await this.exec(['domstate', domain], signal)).trim() as DomainState;
  }

  async start(domain: string, signal: AbortSignal): Promise<void> {
    await this.exec(['start', domain], signal);
  }

  /** Hard power off (virsh destroy does not delete the domain). */
  async destroy(domain: string, signal: AbortSignal): Promise<void> {
    await this.exec(['destroy', domain], signal);
  }

  async reset(domain: string, signal: AbortSignal): Promise<void> {
    await this.exec(['reset', domain], signal);
  }

  async dumpXml(domain: string, signal: AbortSignal, inactive = true): Promise<string> {
    return this.exec(inactive ? ['dumpxml', '--inactive', domain] : ['dumpxml', domain], signal);
  }

  /** Defines (or redefines) a persistent domain from XML passed on stdin. */
  async define(xml: string, signal: AbortSignal): Promise<void> {
    // virsh cannot read a pipe as the XML file, so the XML goes through a private temporary file.
    const dir = await mkdtemp(path.join(tmpdir(), 'uc-virsh-'));
    try {
      const file = path.join(dir, 'domain.xml');
      await writeFile(file, xml, { mode: 0o600 });
      await this.exec(['define', file], signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async undefine(domain: string, signal: AbortSignal): Promise<void> {
    await this.exec(['undefine', '--nvram', domain], signal).catch(() => this.exec(['undefine', domain], signal));
  }

  async listAll(signal: AbortSignal): Promise<string[]> {
    return (await this.exec(['list', '--all', '--name'], signal)).split('\n').map((s) => s.trim()).filter(Boolean);
  }
}
