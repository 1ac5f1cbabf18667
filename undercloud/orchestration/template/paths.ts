/**
 * References between files of a bundle (get_file, provider templates, registry targets) resolve relative
 * to the referring file and must stay inside the template tree, as the Heat client confines them.
 */
import { posix } from 'node:path';
import type { TemplateBundle } from './types.js';

export type RefResult = { ok: true; key: string } | { ok: false; reason: string };

export function resolveRef(bundle: Pick<TemplateBundle, 'rootDir'>, fromFile: string, ref: string): RefResult {
  let r = ref.startsWith('file://') ? ref.slice('file://'.length) : ref;
  if (/^[a-z]+:\/\//i.test(r)) return { ok: false, reason: `URL references are not supported (${ref}); put the file in the template tree` };
  r = r.replace(/\\/g, '/');
  // A template the engine generated lives nowhere in the tree: its references are relative to the tree's root.
  const dir = fromFile.startsWith(GENERATED_DIR) ? '.' : posix.dirname(fromFile);
  const joined = r.startsWith('/') ? posix.normalize(r) : posix.normalize(posix.join(dir, r));
  if (joined.startsWith('/')) {
    const root = bundle.rootDir?.replace(/\/+$/, '');
    if (root !== undefined && joined.startsWith(root + '/')) return { ok: true, key: joined.slice(root.length + 1) };
    return { ok: false, reason: `"${ref}" is outside the template tree` };
  }
  if (joined === '..' || joined.startsWith('../')) return { ok: false, reason: `"${ref}" is outside the template tree` };
  return { ok: true, key: joined };
}

/** True when a registry target or resource type names a template file rather than a type. */
export function isTemplatePath(s: string): boolean {
  return /\.(ya?ml|template|json)$/i.test(s) || s.includes('/');
}

/** Where the engine puts the templates it generates into a stack's bundle (a group's members, an inline stack). */
export const GENERATED_DIR = '.generated/';

/** A template the engine rendered itself, as JSON (renderTemplate): parsed without YAML, and its positions mean nothing. */
export function isGeneratedJson(file: string): boolean {
  return file.startsWith(GENERATED_DIR) && file.endsWith('.json');
}
