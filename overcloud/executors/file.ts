/**
 * `file` steps: content, mode and owner of one file, written atomically (temporary file in the same
 * directory, fsync, rename). Nothing is written when the file already is as asked: changed = false.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { underRoot } from './exec.js';
import { oneOf, optStr, str } from './params.js';

export const fileExecutor: StepExecutor = {
  kind: 'file',
  modes: ['node', 'ramdisk'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const p = ctx.step.params;
    const file = underRoot(ctx.root, str(p, 'path'));
    const state = oneOf(p, 'state', ['present', 'absent'], 'present');
    if (state === 'absent') {
      if (!existsSync(file)) return { changed: false, outputs: { path: str(p, 'path') } };
      unlinkSync(file);
      ctx.log('agent', `removed ${file}\n`);
      return { changed: true, outputs: { path: str(p, 'path') } };
    }
    const content = p.content_base64 !== undefined ? Buffer.from(str(p, 'content_base64'), 'base64') : Buffer.from(typeof p.content === 'string' ? p.content : '', 'utf8');
    const mode = parseMode(p.mode);
    const uid = resolveId(ctx.root, '/etc/passwd', optStr(p, 'owner') ?? (typeof p.owner === 'number' ? String(p.owner) : undefined));
    const gid = resolveId(ctx.root, '/etc/group', optStr(p, 'group') ?? (typeof p.group === 'number' ? String(p.group) : undefined));
    if (existsSync(file)) {
      const st = statSync(file);
      const same = st.isFile() && (mode === undefined || (st.mode & 0o7777) === mode) && (uid === undefined || st.uid === uid) && (gid === undefined || st.gid === gid) && readFileSync(file).equals(content);
      if (same) {
        ctx.log('agent', `${file} already as requested\n`);
        return { changed: false, outputs: { path: str(p, 'path') } };
      }
    }
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.agent-${process.pid}.tmp`);
    // fs/promises: the fsync runs on the thread pool and does not stall the agent's event loop.
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(content);
      await fh.chmod(mode ?? (existsSync(file) ? statSync(file).mode & 0o7777 : 0o644));
      if (uid !== undefined || gid !== undefined) await fh.chown(uid ?? -1, gid ?? -1);
      await fh.sync();
    } catch (err) {
      await fh.close();
      unlinkSync(tmp);
      throw err;
    }
    await fh.close();
    renameSync(tmp, file);
    ctx.log('agent', `wrote ${file} (${content.length} bytes)\n`);
    return { changed: true, outputs: { path: str(p, 'path') } };
  },
};

function parseMode(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
  if (typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v)) return parseInt(v, 8);
  throw new StepError('invalid_params', 'parameter "mode" must be an octal string like "0644"', {}, false);
}

/** A user or group name (looked up under the root's /etc files) or a number. */
function resolveId(root: string, db: string, name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const file = underRoot(root, db);
  const line = existsSync(file) ? readFileSync(file, 'utf8').split('\n').find((l) => l.split(':')[0] === name) : undefined;
  if (!line) throw new StepError('invalid_params', `no such ${db === '/etc/passwd' ? 'user' : 'group'} "${name}"`, {}, false);
  return Number(line.split(':')[2]);
}
