/**
 * Template errors in rendered templates: the daemon validates `overcloud.yaml`, which the CLI rendered
 * from `overcloud.j2.yaml` (template/render-jinja.ts) and which is not on disk. When an error cites such a
 * file, the CLI writes the rendered templates to a temporary directory and says where, so every
 * `file:line:col` of the message can be opened (TripleO keeps its rendered plan in the working dir).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UndercloudError } from '../../errors.js';
import { jinjaSourceOf } from '../../orchestration/template/render-jinja.js';

/** The bundle keys under `templatesDir` that were rendered from a j2 template. */
export function renderedKeys(templatesDir: string, files: Record<string, string>): string[] {
  return Object.keys(files).filter((k) => {
    const j2 = jinjaSourceOf(k);
    return !k.startsWith('/') && j2 !== undefined && !existsSync(path.join(templatesDir, k)) && existsSync(path.join(templatesDir, j2));
  });
}

/** `err` with the rendered templates it cites written out and named; any other error as it is. */
export function explainRendered(err: unknown, templatesDir: string, files: Record<string, string> | undefined): unknown {
  if (!(err instanceof UndercloudError) || err.code !== 'TEMPLATE_INVALID' || !files) return err;
  const cited = renderedKeys(templatesDir, files).filter((k) => err.message.includes(`${k}:`));
  if (cited.length === 0) return err;
  const dir = mkdtempSync(path.join(tmpdir(), 'overcloud-rendered-'));
  for (const k of cited) {
    mkdirSync(path.dirname(path.join(dir, k)), { recursive: true });
    writeFileSync(path.join(dir, k), files[k]!);
  }
  const note = `${cited.join(', ')} ${cited.length === 1 ? 'is' : 'are'} rendered from ${cited.map((k) => jinjaSourceOf(k)).join(', ')} with the roles; the rendered text these positions refer to is in ${dir}`;
  return new UndercloudError(err.code, `${err.message}\n${note}`, { grpcStatus: err.grpcStatus });
}
