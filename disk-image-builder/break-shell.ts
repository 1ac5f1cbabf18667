/**
 * The default break point (`--break before-PHASE|after-error`): an interactive shell with the build's
 * environment, inside the image root for in-chroot phases, in it from outside otherwise. The build goes
 * on when the shell exits (diskimage-builder does the same).
 */
import { spawn } from 'node:child_process';

export function breakShell(point: string, env: NodeJS.ProcessEnv, inChroot: boolean): Promise<void> {
  process.stderr.write(`\n*** break ${point}: TARGET_ROOT=${env.TARGET_ROOT}; exit the shell to continue ***\n`);
  const [cmd, args] = inChroot ? ['chroot', [env.TARGET_ROOT!, '/bin/bash', '-i']] : ['/bin/bash', ['-i']];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { env: { ...env, PS1: `dib(${point})# ` }, cwd: env.TARGET_ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}
