/**
 * The agent's local journal (in its state dir): every finished step's result, and whether the daemon has
 * acknowledged it. A step the daemon resends after a restart is answered from here and never run again.
 * Each entry is one small file written atomically (write, fsync, rename).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import type { StepResult } from './types.js';

interface Entry {
  result: StepResult;
  acked: boolean;
}

export class Journal {
  private readonly dir: string;
  private readonly entries = new Map<string, Entry>();
  private readonly runs = new Map<string, number>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'journal');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const f of readdirSync(this.dir)) {
      try {
        if (f.endsWith('.result.json')) this.entries.set(f.slice(0, -'.result.json'.length), JSON.parse(readFileSync(path.join(this.dir, f), 'utf8')) as Entry);
        else if (f.endsWith('.runs')) this.runs.set(f.slice(0, -'.runs'.length), Number(readFileSync(path.join(this.dir, f), 'utf8')) || 0);
      } catch {
        // A torn file cannot happen with rename; anything unreadable is treated as absent.
      }
    }
  }

  finished(stepId: string): StepResult | undefined {
    return this.entries.get(stepId)?.result;
  }

  unacked(): StepResult[] {
    return [...this.entries.values()].filter((e) => !e.acked).map((e) => e.result);
  }

  /** Durable (fsync) before it resolves: the result is sent only once it survives a crash. */
  async record(r: StepResult): Promise<void> {
    const e = { result: r, acked: false };
    this.entries.set(r.stepId, e);
    const file = path.join(this.dir, `${r.stepId}.result.json`);
    const fh = await open(`${file}.tmp`, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(e));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(`${file}.tmp`, file);
  }

  /** Not synced: losing an ack in a crash only means the result is sent again, and the daemon ignores it. */
  ack(stepId: string): void {
    const e = this.entries.get(stepId);
    if (!e || e.acked) return;
    e.acked = true;
    this.write(`${stepId}.result.json`, JSON.stringify(e), false);
  }

  /** Counts how often this step was started by any agent process (log sequence numbers stay unique). */
  startRun(stepId: string): number {
    const n = (this.runs.get(stepId) ?? 0) + 1;
    this.runs.set(stepId, n);
    this.write(`${stepId}.runs`, String(n), false);
    return n;
  }

  private write(name: string, text: string, sync: boolean): void {
    const file = path.join(this.dir, name);
    const tmp = `${file}.tmp`;
    if (!sync) {
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, file);
      return;
    }
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }
}
