/**
 * YAML -> position-carrying tree. Heat loads templates with PyYAML (YAML 1.1: yes/no/on/off are booleans)
 * but reads timestamps as strings (heat_template_version: 2016-10-14 stays a string); we do the same with
 * the `yaml` package's 1.1 schema minus the timestamp tag. The result is a Snippet with no calls yet.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, ScalarTag, SchemaOptions } from 'yaml';
import { TemplateError } from '../errors.js';
import type { Json, Snippet, SourcePos } from './types.js';
import { isGeneratedJson } from './paths.js';

type Tags = Exclude<NonNullable<SchemaOptions['customTags']>, (tags: never) => unknown>;

export interface ParsedYaml {
  root: Snippet | undefined;
  errors: TemplateError[];
}

const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

/** PyYAML's resolver: no timestamps (Heat reads them as strings) and y/n are strings, not booleans. */
function pyyamlTags(tags: Tags): Tags {
  return tags
    .filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp')
    .map((t) => {
      if (typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:bool' || !('test' in t) || t.test === undefined) return t;
      return { ...t, test: t.test.test('yes') ? PY_TRUE : PY_FALSE } as ScalarTag;
    });
}

export function parseYaml(file: string, text: string): ParsedYaml {
  // The engine's own JSON (a group of a thousand members) skips the YAML parser; every node is at 1:1.
  if (isGeneratedJson(file)) {
    try {
      const pos = { file, line: 1, col: 1 };
      return { root: fromJson(JSON.parse(text) as Json, pos, 0), errors: [] };
    } catch {
      // Not JSON after all: the YAML parser reports it.
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    customTags: pyyamlTags,
  });
  const at = (offset: number): SourcePos => {
    const lp = lineCounter.linePos(offset);
    return { file, line: lp.line, col: lp.col };
  };
  const errors = doc.errors.map((e) => new TemplateError('YAML_SYNTAX', at(e.pos[0]), [], e.message.split('\n')[0] ?? e.message));
  if (errors.length > 0) return { root: undefined, errors };
  if (doc.contents === null) return { root: { kind: 'literal', value: null, pos: { file, line: 1, col: 1 } }, errors };
  return { root: convert(doc, doc.contents as Node, at, 0, { file, line: 1, col: 1 }), errors };
}

function convert(doc: Document, node: Node | null, at: (o: number) => SourcePos, depth: number, fallback: SourcePos): Snippet {
  // A key with no value (`a:`) has no node: it is null at the key's position.
  if (node === null) return { kind: 'literal', value: null, pos: fallback };
  if (depth > 200) throw new Error('YAML nesting deeper than 200 levels');
  const pos = node.range ? at(node.range[0]) : fallback;
  if (isAlias(node)) return convert(doc, node.resolve(doc) as Node, at, depth + 1, pos);
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') {
      return { kind: 'literal', value: v, pos };
    }
    if (typeof v === 'bigint') return { kind: 'literal', value: Number(v), pos };
    return { kind: 'literal', value: String(v), pos };
  }
  if (isSeq(node)) {
    return { kind: 'list', items: node.items.map((i) => convert(doc, i as Node, at, depth + 1, pos)), pos };
  }
  if (isMap(node)) {
    const entries = node.items.map((pair) => {
      const keyNode = pair.key as Node | null;
      const key = keyNode !== null && isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const keyPos = keyNode?.range ? at(keyNode.range[0]) : pos;
      return { key, keyPos, value: convert(doc, pair.value as Node | null, at, depth + 1, keyPos) };
    });
    return { kind: 'map', entries, pos };
  }
  return { kind: 'literal', value: null, pos };
}

function fromJson(v: Json, pos: SourcePos, depth: number): Snippet {
  if (depth > 200) throw new Error('JSON nesting deeper than 200 levels');
  if (Array.isArray(v)) return { kind: 'list', items: v.map((x) => fromJson(x, pos, depth + 1)), pos };
  if (v !== null && typeof v === 'object') return { kind: 'map', entries: Object.entries(v).map(([key, x]) => ({ key, keyPos: pos, value: fromJson(x, pos, depth + 1) })), pos };
  return { kind: 'literal', value: v, pos };
}
