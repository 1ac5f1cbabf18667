/**
 * `inventory` steps: what inspection needs, read from /proc and /sys under the root: CPUs, memory, disks
 * (size, model, serial, rotational), NICs (MAC, link state, speed) and DMI system data. Reads only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecContext, ExecOutcome, StepExecutor } from '../agent/types.js';
import { underRoot } from './exec.js';

export interface Inventory {
  cpu: { count: number; model: string; architecture: string; flags: string[] };
  memory: { totalBytes: number };
  disks: { name: string; sizeBytes: number; model: string; serial: string; vendor: string; rotational: boolean; wwn: string }[];
  interfaces: { name: string; mac: string; link: boolean; operstate: string; speedMbps: number | null }[];
  system: Record<string, string>;
}

const read = (f: string): string => {
  try {
    return readFileSync(f, 'utf8').trim();
  } catch {
    return '';
  }
};
const list = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : []);

export function collectInventory(root: string): Inventory {
  const r = (p: string) => underRoot(root, p);
  const cpuinfo = read(r('/proc/cpuinfo'));
  const procs = cpuinfo.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
  const mem = /^MemTotal:\s+(\d+)\s+kB/m.exec(read(r('/proc/meminfo')));
  const disks = list(r('/sys/block'))
    .filter((n) => !/^(loop|ram|zram|sr|fd|dm-|md)/.test(n))
    .map((name) => {
      const d = path.join(r('/sys/block'), name);
      return {
        name,
        sizeBytes: Number(read(path.join(d, 'size')) || 0) * 512,
        model: read(path.join(d, 'device', 'model')),
        serial: read(path.join(d, 'device', 'serial')) || read(path.join(d, 'serial')),
        vendor: read(path.join(d, 'device', 'vendor')),
        rotational: read(path.join(d, 'queue', 'rotational')) === '1',
        wwn: read(path.join(d, 'device', 'wwid')) || read(path.join(d, 'wwid')),
      };
    });
  const interfaces = list(r('/sys/class/net'))
    .filter((n) => n !== 'lo')
    .map((name) => {
      const d = path.join(r('/sys/class/net'), name);
      const speed = Number(read(path.join(d, 'speed')));
      return { name, mac: read(path.join(d, 'address')), link: read(path.join(d, 'carrier')) === '1', operstate: read(path.join(d, 'operstate')), speedMbps: Number.isFinite(speed) && speed > 0 ? speed : null };
    });
  const system: Record<string, string> = {};
  for (const k of ['sys_vendor', 'product_name', 'product_serial', 'product_uuid', 'product_version', 'board_vendor', 'board_name', 'board_serial', 'bios_vendor', 'bios_version', 'bios_date', 'chassis_type']) {
    const v = read(r(`/sys/class/dmi/id/${k}`));
    if (v) system[k] = v;
  }
  return {
    cpu: { count: procs.length, model: procs[0] ? field(procs[0], 'model name') : '', architecture: process.arch === 'x64' ? 'x86_64' : process.arch, flags: procs[0] ? field(procs[0], 'flags').split(/\s+/).filter(Boolean) : [] },
    memory: { totalBytes: mem ? Number(mem[1]) * 1024 : 0 },
    disks,
    interfaces,
    system,
  };
}

export const inventoryExecutor: StepExecutor = {
  kind: 'inventory',
  modes: ['ramdisk', 'node'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const inv = collectInventory(ctx.root);
    ctx.log('agent', `inventory: ${inv.cpu.count} CPUs, ${inv.memory.totalBytes} bytes RAM, ${inv.disks.length} disks, ${inv.interfaces.length} NICs\n`);
    return { changed: false, outputs: { inventory: inv } };
  },
};
