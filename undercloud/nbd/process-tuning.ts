/**
 * V8 settings for a process whose one job is writing an image (`undercloud image write`; the benchmark's
 * memory measurement starts its child the same way). Not for the daemon: these are process-wide and
 * would slow a long-lived process that runs a lot of JavaScript. Measured on the deploy path (a 20 GiB
 * image with 5 GiB of data written then read back; docs/nbd.md has the figures):
 *
 * - `--max-opt=1`: no optimizing compiler (TurboFan, and Maglev on Node versions that enable it), only
 *   Ignition and Sparkplug. The writer's JavaScript is a little bookkeeping per 1 MiB request; the bytes
 *   are moved and hashed by native code, so the optimizer gains nothing measurable here (write and verify
 *   times the same within this machine's noise, 2 and 20 GiB images; ~10% more of our own CPU on a long
 *   write, ~0.3 s of 3.5), while it costs ~13 MiB of RSS: its
 *   compile jobs run on V8's worker threads, each of which gets its own malloc arena that keeps the
 *   compiler's zone memory (~5-9 MiB), and its code in the node binary is paged in (~4 MiB of RssFile).
 *   Set after start-up (the CLI), code TurboFan already optimized while the CLI loaded stays as it is.
 * - `--semi-space-growth-factor=1`: the young generation (two semi-spaces) stays at its initial 2 MiB
 *   instead of growing to 8-16 MiB over a long run (~5 MiB less RSS on the 20 GiB image). Scavenges are
 *   more frequent (~240 over that run) and as cheap; no measurable cost.
 *
 * Both flags are read by V8 when it uses them, so setting them at run time works (unlike
 * `--max-semi-space-size` or `--no-concurrent-recompilation`, which are read once when the heap or the
 * isolate is set up, and which measured no effect when set here).
 */
import { setFlagsFromString } from 'node:v8';

export const WRITER_PROCESS_V8_FLAGS = ['--max-opt=1', '--semi-space-growth-factor=1'] as const;

let tuned = false;

/** Applies WRITER_PROCESS_V8_FLAGS to this process (once). */
export function tuneWriterProcess(): void {
  if (tuned) return;
  tuned = true;
  for (const flag of WRITER_PROCESS_V8_FLAGS) setFlagsFromString(flag);
}
