/**
 * `script` steps, as Heat's heat-config-script hook: the config is written to a file and run (its shebang
 * picks the interpreter, or params.interpreter does); each input is an environment variable and a file in
 * $heat_inputs_dir; the script writes declared outputs to "$heat_outputs_path.<name>". Outputs:
 * deploy_stdout, deploy_stderr, deploy_status_code and the declared outputs. A non-zero status fails the
 * step (with those outputs). The same config and inputs under the same name are applied once: a re-run
 * reports changed = false with the outputs of the run that applied it (params.always forces a run).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { runCommand } from './exec.js';
import { optStr, str } from './params.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function inputsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: unknown, value: unknown) => {
    if (typeof name !== 'string' || !NAME.test(name)) throw new StepError('invalid_params', `input name "${String(name)}" must be a shell variable name`, {}, false);
    out[name] = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  };
  if (Array.isArray(v)) for (const i of v as { name?: unknown; value?: unknown }[]) put(i?.name, i?.value);
  else if (v && typeof v === 'object') for (const [k, val] of Object.entries(v)) put(k, val);
  return out;
}

function outputNames(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new StepError('invalid_params', 'parameter "outputs" must be a list', {}, false);
  return v.map((o) => {
    const n = typeof o === 'string' ? o : (o as { name?: unknown })?.name;
    if (typeof n !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(n)) throw new StepError('invalid_params', `output name "${String(n)}" is not valid`, {}, false);
    return n;
  });
}

export const scriptExecutor: StepExecutor = {
  kind: 'script',
  modes: ['node', 'ramdisk'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const p = ctx.step.params;
    const script = str(p, 'script');
    const interpreter = optStr(p, 'interpreter');
    const inputs = inputsOf(p.inputs);
    const outputs = outputNames(p.outputs);
    const digest = createHash('sha256').update(JSON.stringify([script, interpreter ?? '', inputs, outputs])).digest('hex');
    const key = optStr(p, 'name') ?? digest;
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(key)) throw new StepError('invalid_params', 'parameter "name" must be 1-128 of A-Z a-z 0-9 . _ -', {}, false);
    const appliedDir = path.join(ctx.stateDir, 'scripts-applied');
    const applied = path.join(appliedDir, `${key}.json`);
    if (p.always !== true && existsSync(applied)) {
      const prev = JSON.parse(readFileSync(applied, 'utf8')) as { digest: string; outputs: Record<string, unknown> };
      if (prev.digest === digest) {
        ctx.log('agent', `config "${key}" already applied with these inputs; not running it again\n`);
        return { changed: false, outputs: prev.outputs };
      }
    }
    const work = path.join(ctx.stateDir, 'scripts', ctx.step.id);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(path.join(work, 'inputs'), { recursive: true, mode: 0o700 });
    const file = path.join(work, 'config');
    writeFileSync(file, script, { mode: 0o700 });
    chmodSync(file, 0o700);
    for (const [k, v] of Object.entries(inputs)) writeFileSync(path.join(work, 'inputs', k), v, { mode: 0o600 });
    const outputsPath = path.join(work, 'outputs');
    const env = { ...process.env, ...inputs, heat_outputs_path: outputsPath, heat_inputs_dir: path.join(work, 'inputs'), deploy_step_id: ctx.step.id };
    const [cmd, args] = interpreter ? [interpreter, [file]] : script.startsWith('#!') ? [file, []] : ['/bin/sh', [file]];
    let r;
    try {
      r = await runCommand(cmd, args, { signal: ctx.signal, log: ctx.log, env, cwd: work });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') {
        throw new StepError('script_failed', `cannot run ${cmd}: ${(err as Error).message}`, {}, false);
      }
      throw err;
    }
    const result: Record<string, unknown> = { deploy_stdout: r.stdout, deploy_stderr: r.stderr, deploy_status_code: r.code };
    for (const name of outputs) {
      const f = `${outputsPath}.${name}`;
      if (existsSync(f)) result[name] = readFileSync(f, 'utf8');
    }
    if (r.code !== 0) throw new StepError('script_failed', `script exited with status ${r.code}`, result);
    mkdirSync(appliedDir, { recursive: true, mode: 0o700 });
    writeFileSync(`${applied}.tmp`, JSON.stringify({ digest, outputs: result }));
    renameSync(`${applied}.tmp`, applied);
    return { changed: true, outputs: result };
  },
};
