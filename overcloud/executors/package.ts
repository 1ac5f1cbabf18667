/**
 * `package` steps: Debian packages present or absent through apt. Packages already in the asked state are
 * left alone (changed = false); dpkg-query decides, so a re-run never calls apt-get.
 */
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { runCommand } from './exec.js';
import { oneOf, strList } from './params.js';

const NAME = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?(=[A-Za-z0-9.+:~-]+)?$/;

async function installed(ctx: ExecContext, name: string): Promise<boolean> {
  const r = await runCommand('dpkg-query', ['-W', '-f=${Status}', name.split('=')[0]!], { signal: ctx.signal });
  return r.code === 0 && r.stdout.includes('install ok installed');
}

export const packageExecutor: StepExecutor = {
  kind: 'package',
  modes: ['node'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const p = ctx.step.params;
    const names = [...strList(p, 'name'), ...strList(p, 'names')];
    if (names.length === 0) throw new StepError('invalid_params', 'parameter "name" (or "names") is required', {}, false);
    for (const n of names) if (!NAME.test(n)) throw new StepError('invalid_params', `"${n}" is not a Debian package name`, {}, false);
    const state = oneOf(p, 'state', ['present', 'absent'], 'present');
    const todo: string[] = [];
    for (const n of names) if ((await installed(ctx, n)) !== (state === 'present')) todo.push(n);
    if (todo.length === 0) {
      ctx.log('agent', `packages already ${state}: ${names.join(' ')}\n`);
      return { changed: false, outputs: { changed_packages: [] } };
    }
    const args = state === 'present' ? ['install', '-y', '--no-install-recommends', ...todo] : ['remove', '-y', ...todo];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const r = await runCommand('apt-get', args, { signal: ctx.signal, log: ctx.log, env });
    if (r.code !== 0) throw new StepError('package_failed', `apt-get ${args[0]} ${todo.join(' ')} exited with ${r.code}`, { stderr: r.stderr.slice(-4000) });
    return { changed: true, outputs: { changed_packages: todo } };
  },
};
