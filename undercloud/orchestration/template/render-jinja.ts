/**
 * TripleO's `*.j2.yaml` templates (THT's tools/process-templates.py, which tripleoclient runs before it
 * uploads a plan): a Jinja2 template rendered with the roles of roles_data.yaml into the plain template of
 * the same name without `.j2` (`overcloud.j2.yaml` -> `overcloud.yaml`). This is what lets one root
 * template wire any list of roles: HOT cannot loop over resource names (get_attr takes a literal name).
 * nunjucks is Mozilla's Jinja2 for JavaScript (the syntax TripleO's templates use: for, if, macros,
 * filters, loop.last, `in`); it is loaded only when a tree has a j2 template.
 */
import type { Json } from './types.js';
import { TemplateError } from '../errors.js';

/**
 * What a j2 template sees, as in process-templates.py: `roles` is roles_data.yaml as parsed, `networks` the
 * enabled networks of network_data.yaml (-n; name_lower filled in), empty without one.
 */
export interface JinjaContext {
  roles: Json[];
  networks: Json[];
}

/** `overcloud.j2.yaml` for `overcloud.yaml`; undefined for a name that has no j2 form. */
export function jinjaSourceOf(key: string): string | undefined {
  const m = /^(.*)\.(ya?ml)$/.exec(key);
  return m && !m[1]!.endsWith('.j2') ? `${m[1]}.j2.${m[2]}` : undefined;
}

/** Renders `text` (the file `file`); a Jinja error becomes a TemplateError at its line and column in the j2 file. */
export async function renderJinja(file: string, text: string, context: JinjaContext): Promise<string> {
  const nunjucks = (await import('nunjucks')).default;
  // trim/lstrip blocks: a `{% for %}` line leaves no line of its own in the YAML, as TripleO renders.
  const env = new nunjucks.Environment(null, { autoescape: false, trimBlocks: true, lstripBlocks: true });
  try {
    return env.renderString(text, context as unknown as object);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const detail = message.replace(/^\(unknown path\)\s*(\[Line \d+, Column \d+\])?\s*/, '').replace(/^Error: /, '').replace(/\s+/g, ' ').trim();
    throw new TemplateError('TEMPLATE_RENDER', { file, ...errorPosition(message, text) }, [], `Jinja2 template: ${detail}`);
  }
}

/**
 * Where nunjucks says the error is. Its syntax errors count lines and columns from 1, its render errors
 * ("Error: ..." after the position) from 0; an unknown filter is reported with no position at all, so
 * its first use is looked up in the text.
 */
function errorPosition(message: string, text: string): { line: number; col: number } {
  const at = /\[Line (\d+), Column (\d+)\]\s*(Error:)?/.exec(message);
  if (at) return at[3] ? { line: Number(at[1]) + 1, col: Number(at[2]) + 1 } : { line: Number(at[1]), col: Number(at[2]) };
  const filter = /filter not found: (\w+)/.exec(message);
  const use = filter ? new RegExp(`\\|\\s*${filter[1]}\\b`).exec(text) : null;
  if (!use) return { line: 1, col: 1 };
  const before = text.slice(0, use.index).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}
