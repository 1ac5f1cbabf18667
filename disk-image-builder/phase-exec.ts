/**
 * Runs one phase's scripts. Outside the chroot a script runs from its element folder with the build
 * environment; inside, the element folders are copied into the image root at /tmp/in_target.d and the
 * script runs under `chroot` (no mounts: phases that need /proc must mount it themselves, and none of
 * ours do). Each script runs in its own bash that first sources every element's environment.d files,
 * as diskimage-builder sources them before every script.
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Element } from './element.js';
import { CommandError, run, type RunOptions } from './exec.js';
import { PhaseFailedError } from './errors.js';
import { orderPhaseScripts, type Phase, type PhaseScript } from './phases.js';

export const IN_TARGET = '/tmp/in_target.d';

export function phaseScripts(elements: readonly Element[], phase: Phase): PhaseScript[] {
  return orderPhaseScripts(elements.map((e) => ({ element: e.name, scripts: e.phases[phase.name] ?? [] })));
}

/** Copies the element folders into the image root so in-chroot scripts find their files. */
export function stageHooks(targetRoot: string, elements: readonly Element[]): void {
  const dest = path.join(targetRoot, IN_TARGET);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(path.join(dest, 'elements'), { recursive: true });
  for (const e of elements) cpSync(e.dir, path.join(dest, 'elements', e.name), { recursive: true });
}

export function unstageHooks(targetRoot: string): void {
  if (existsSync(targetRoot)) rmSync(path.join(targetRoot, IN_TARGET), { recursive: true, force: true });
}

const WRAPPER = 'set -eu\nfor f in $DIB_ENV_FILES; do set -a; . "$f"; set +a; done\nexec "$0"';

export interface ScriptHooks {
  onScript?: (phase: Phase, script: PhaseScript) => void;
}

export async function runPhase(phase: Phase, scripts: readonly PhaseScript[], elements: readonly Element[], env: NodeJS.ProcessEnv, opts: RunOptions & ScriptHooks): Promise<void> {
  const targetRoot = env.TARGET_ROOT!;
  const envFiles = (inChroot: boolean) =>
    elements
      .flatMap((e) => e.environment.map((f) => (inChroot ? path.posix.join(IN_TARGET, 'elements', e.name, 'environment.d', path.basename(f)) : f)))
      .join(' ');
  for (const s of scripts) {
    opts.onScript?.(phase, s);
    opts.log?.write(`\n==> ${phase.name} ${s.element}/${s.name}\n`);
    try {
      if (phase.inChroot) {
        const inside = path.posix.join(IN_TARGET, 'elements', s.element, phase.name, s.name);
        const chrootEnv: NodeJS.ProcessEnv = {
          ...env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', TMP_HOOKS_PATH: IN_TARGET,
          DIB_ENV_FILES: envFiles(true), DEBIAN_FRONTEND: 'noninteractive', HOME: '/root', TMPDIR: '/tmp',
        };
        await run('chroot', [targetRoot, '/bin/bash', '-c', WRAPPER, inside], { ...opts, env: chrootEnv });
      } else {
        await run('/bin/bash', ['-c', WRAPPER, s.path], { ...opts, env: { ...env, DIB_ENV_FILES: envFiles(false) }, cwd: path.dirname(s.path) });
      }
    } catch (err) {
      const detail = err instanceof CommandError ? `exit ${err.exitCode}\n${err.tail}` : (err as Error).message;
      throw new PhaseFailedError(phase.name, `${s.element}/${s.name}`, detail, { cause: err });
    }
  }
}
