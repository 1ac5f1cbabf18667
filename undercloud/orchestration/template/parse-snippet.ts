/**
 * Raw YAML tree -> Snippet with FunctionCall nodes (Heat's template.parse). A single-key map whose key is a
 * function of the template's version becomes a call; any other map is data. Keys close to a function name
 * draw a warning ("did you mean get_param?"). get_file calls become their file's text here, because the
 * client ships the files in the bundle.
 */
import type { TemplateErrorCode, TemplateWarning } from '../errors.js';
import { FUNCTIONS, functionFor } from '../functions/index.js';
import type { Snippet, SourcePos } from './types.js';

export interface SnippetParseContext {
  version: string;
  /** The text of a get_file target (path as written), or undefined when the bundle lacks it (error reported by the callee). */
  getFile(path: string, pos: SourcePos, nodePath: string[]): string | undefined;
  warn(w: TemplateWarning): void;
  error(code: TemplateErrorCode, pos: SourcePos, path: string[], detail: string): void;
}

export function parseSnippet(raw: Snippet, path: string[], c: SnippetParseContext): Snippet {
  switch (raw.kind) {
    case 'literal':
    case 'call':
      return raw;
    case 'list':
      return { kind: 'list', items: raw.items.map((s, i) => parseSnippet(s, [...path, String(i)], c)), pos: raw.pos };
    case 'map': {
      const only = raw.entries.length === 1 ? raw.entries[0] : undefined;
      if (only !== undefined) {
        const fn = functionFor(only.key, c.version);
        if (fn !== undefined) {
          if (fn.name === 'get_file' && only.value.kind === 'literal' && typeof only.value.value === 'string') {
            const text = c.getFile(only.value.value, only.value.pos, path);
            return { kind: 'literal', value: text ?? '', pos: only.keyPos };
          }
          return { kind: 'call', fn: fn.name, args: parseSnippet(only.value, [...path, only.key], c), pos: only.keyPos, path };
        }
        nearMiss(only.key, only.keyPos, path, c);
      }
      return {
        kind: 'map',
        entries: raw.entries.map((e) => ({ key: e.key, keyPos: e.keyPos, value: parseSnippet(e.value, [...path, e.key], c) })),
        pos: raw.pos,
      };
    }
  }
}

function nearMiss(key: string, pos: SourcePos, path: string[], c: SnippetParseContext): void {
  const known = FUNCTIONS.get(key);
  if (known !== undefined) {
    c.warn({
      code: 'FUNCTION_NOT_IN_VERSION',
      pos,
      path,
      message: `${key} needs heat_template_version ${known.since} or later; here it is plain data`,
    });
    return;
  }
  if (key.length < 4 || !/^[a-z_]+$/.test(key)) return;
  let best: string | undefined;
  let bestD = 3;
  for (const f of FUNCTIONS.values()) {
    if (functionFor(f.name, c.version) === undefined || f.removedIn !== undefined) continue;
    const d = distance(key, f.name);
    if (d < bestD && d <= (f.name.length <= 5 ? 1 : 2)) {
      best = f.name;
      bestD = d;
    }
  }
  if (best !== undefined) {
    c.warn({ code: 'SIMILAR_FUNCTION', pos, path, message: `"${key}" is not a function, so this map is plain data: did you mean ${best}?` });
  }
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const prev = d[i - 1]!;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
