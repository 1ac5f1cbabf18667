/**
 * A machine simulated on the host for the agent-based provisioning path, without a VM: its "disk" is a
 * sparse file under a private root, its firmware is this class. It asks the HTTP boot server for its iPXE
 * script exactly as iPXE would (by MAC); when the script boots the ramdisk it runs the real bundled agent in
 * ramdisk mode with the script's kernel command line (token, endpoint, CA URL and digest), and when it
 * boots the local disk after a deploy it does what the golden image's firstboot does: reads the config-2
 * partition from the disk and runs the real agent in node mode with those credentials. Power comes from the
 * fake BMC (the node's power_state), which the test's loop follows.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/daemon.js';

export const AGENT_BUNDLE = path.join(ROOT, 'dist', 'agent', 'undercloud-agent.cjs');
const GIB = 1024 ** 3;

export interface ScriptView {
  ramdisk: boolean;
  cmdline: string;
}

export class SimulatedNode {
  readonly disk: string;
  ramdiskAgent: ChildProcess | undefined;
  nodeAgent: ChildProcess | undefined;
  readonly exits: { mode: string; code: number | null }[] = [];
  output = '';
  private boots = 0;

  constructor(readonly root: string, readonly mac: string, private readonly httpBase: string, diskGiB = 6) {
    const w = (p: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      writeFileSync(path.join(root, p), text);
    };
    w('/proc/cpuinfo', 'processor\t: 0\nmodel name\t: Sim CPU\nflags\t\t: fpu lm\n\nprocessor\t: 1\nmodel name\t: Sim CPU\nflags\t\t: fpu lm\n\n');
    w('/proc/meminfo', 'MemTotal:        2097152 kB\n');
    w('/sys/block/vda/size', `${(diskGiB * GIB) / 512}\n`);
    w('/sys/block/vda/queue/rotational', '0\n');
    w('/sys/block/vda/serial', 'SIM-VDA\n');
    w('/sys/class/net/eth0/address', `${mac}\n`);
    w('/sys/class/net/eth0/carrier', '1\n');
    w('/sys/class/net/eth0/operstate', 'up\n');
    this.disk = path.join(root, 'dev', 'vda');
    mkdirSync(path.dirname(this.disk), { recursive: true });
    const fd = openSync(this.disk, 'w');
    ftruncateSync(fd, diskGiB * GIB);
    closeSync(fd);
  }

  async script(): Promise<ScriptView> {
    const text = await (await fetch(`${this.httpBase}/ipxe/${this.mac.replace(/:/g, '-')}.ipxe`)).text();
    const kernel = /^kernel \S+ (.*?) \|\| goto retry$/m.exec(text);
    return { ramdisk: kernel !== null, cmdline: kernel?.[1] ?? '' };
  }

  private spawnAgent(mode: 'ramdisk' | 'node', args: string[]): ChildProcess {
    const stateDir = path.join(this.root, 'run', `${mode}-${++this.boots}`);
    mkdirSync(stateDir, { recursive: true });
    const child = spawn(process.execPath, [AGENT_BUNDLE, '--mode', mode, '--state-dir', stateDir, '--root', this.root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tag = (b: Buffer) => (this.output += b.toString().replace(/^/gm, `[${mode}] `));
    child.stdout!.on('data', tag);
    child.stderr!.on('data', tag);
    child.on('exit', (code) => this.exits.push({ mode, code }));
    return child;
  }

  /** "Power on into the ramdisk": the agent with the kernel line of the iPXE script. */
  bootRamdisk(cmdline: string): void {
    const file = path.join(this.root, 'run', `cmdline-${this.boots + 1}`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, cmdline + '\n');
    this.ramdiskAgent = this.spawnAgent('ramdisk', ['--cmdline', file, '--ca-file', path.join(this.root, 'run', `ca-${this.boots + 1}.crt`)]);
  }

  /** The config drive as the installed system's firstboot reads it (partition labelled config-2). */
  configDrive(): { uuid: string; hostname: string; public_keys: Record<string, string>; meta: Record<string, string> } {
    const table = JSON.parse(execFileSync('sfdisk', ['--json', this.disk], { encoding: 'utf8' })).partitiontable as { partitions: { start: number; name?: string }[] };
    const part = table.partitions.find((p) => p.name === 'config-2');
    if (!part) throw new Error(`no config-2 partition on ${this.disk}`);
    const text = execFileSync('mtype', ['-i', `${this.disk}@@${part.start * 512}`, '::openstack/latest/meta_data.json'], { encoding: 'utf8' });
    return JSON.parse(text) as ReturnType<SimulatedNode['configDrive']>;
  }

  /** "Boot the installed system": firstboot + the node agent with the config drive's credentials. */
  bootInstalled(): void {
    const cd = this.configDrive();
    const etc = path.join(this.root, 'etc', 'undercloud-agent');
    mkdirSync(etc, { recursive: true });
    writeFileSync(path.join(etc, 'ca.crt'), cd.meta.undercloud_ca_pem!);
    writeFileSync(path.join(etc, 'token'), cd.meta.undercloud_agent_token!, { mode: 0o600 });
    this.nodeAgent = this.spawnAgent('node', ['--server', cd.meta.undercloud_agent_endpoint!, '--node-id', cd.uuid, '--token-file', path.join(etc, 'token'), '--ca-file', path.join(etc, 'ca.crt')]);
  }

  /** Power off: every process of this machine stops (agents and the ramdisk's NBD export). */
  powerOff(): void {
    for (const c of [this.ramdiskAgent, this.nodeAgent]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    this.ramdiskAgent = undefined;
    this.nodeAgent = undefined;
    this.killExports();
  }

  stopRamdisk(): void {
    if (this.ramdiskAgent && this.ramdiskAgent.exitCode === null) this.ramdiskAgent.kill('SIGKILL');
    this.ramdiskAgent = undefined;
    this.killExports();
  }

  private killExports(): void {
    const run = path.join(this.root, 'run');
    if (!existsSync(run)) return;
    for (const pidFile of execFileSync('find', [run, '-name', '*.pid'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(pidFile, { force: true });
    }
  }
}
