/** What the agents benchmark reads about processes and the machine from /proc (Linux). */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on every Linux architecture we run on). */
const USER_HZ = 100;

export function rssMb(pid: number): { rss: number; peak: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** CPU time (user + system) a process used so far, in milliseconds; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
  } catch {
    return 0;
  }
}

/** CPU time all processes of the machine spent busy (not idle or iowait), in milliseconds. */
export function machineBusyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return ((user + nice + system + irq + softirq + steal) * 1000) / USER_HZ;
  } catch {
    return 0;
  }
}

/**
 * Waits until `pid` used less than `maxShare` of one core over `sliceMs` (or `capMs` passed). 1000 idle
 * sessions alone cost the daemon about 8 % of a core (the agents heartbeat every second).
 */
export async function quiet(pid: number, maxShare = 0.2, sliceMs = 500, capMs = 15_000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (Date.now() < deadline) {
    const c0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, sliceMs));
    if (cpuMs(pid) - c0 <= maxShare * sliceMs) return;
  }
}

export function machine(): { cores: number; load1: number } {
  return { cores: cpus().length, load1: loadavg()[0]! };
}
