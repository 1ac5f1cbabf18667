/**
 * parameter_merge_strategies (Heat's environment_util.merge_parameters): `overwrite` replaces, `merge`
 * concatenates strings, extends lists (comma-delimited strings join with ','), adds numbers and updates
 * maps one level deep; `deep_merge` merges maps recursively. Booleans cannot be merged.
 */
import type { Json, ParameterType } from '../template/types.js';
import type { MergeStrategy } from './types.js';

export type MergeResult = { ok: true; value: Json } | { ok: false; message: string };

type JMap = { [k: string]: Json };
const isMap = (v: Json | undefined): v is JMap => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeList(old: Json | undefined, value: Json): Json {
  if (old === undefined || old === null || old === '' || (Array.isArray(old) && old.length === 0)) return value;
  if (Array.isArray(value)) return Array.isArray(old) ? [...old, ...value] : [String(old), ...value];
  if (Array.isArray(old)) return [...old, ...String(value).split(',')];
  return [String(old), String(value)].join(',');
}

function mergeMap(old: Json | undefined, value: JMap, deep: boolean): JMap {
  if (!isMap(old) || Object.keys(old).length === 0) return value;
  const out: JMap = { ...old };
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    const ov = out[k];
    if (!deep || ov === undefined || ov === null) out[k] = v;
    else if (isMap(v)) out[k] = mergeMap(ov, v, true);
    else if (Array.isArray(v)) out[k] = mergeList(ov, v);
    else if (typeof v === 'string') out[k] = (typeof ov === 'string' ? ov : '') + v;
    else out[k] = v;
  }
  return out;
}

/** The shape a value merges as: the template's declared type when known, else inferred from the value. */
function shape(type: ParameterType | undefined, value: Json): 'map' | 'list' | 'string' | 'number' | 'boolean' {
  if (type === 'json') return Array.isArray(value) ? 'list' : 'map';
  if (type === 'comma_delimited_list') return 'list';
  if (type === 'string') return 'string';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (isMap(value)) return 'map';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'string';
}

export function mergeValue(old: Json | undefined, value: Json, strategy: MergeStrategy, type: ParameterType | undefined): MergeResult {
  if (strategy === 'overwrite' || old === undefined || value === null) return { ok: true, value };
  let v: Json = value;
  if (type === 'json' && typeof v === 'string') {
    try {
      v = JSON.parse(v) as Json;
    } catch {
      return { ok: false, message: `cannot ${strategy} a json parameter with a value that is not JSON` };
    }
  }
  switch (shape(type, v)) {
    case 'map':
      if (!isMap(v)) return { ok: false, message: `cannot ${strategy} a non-map value into a map` };
      return { ok: true, value: mergeMap(old, v, strategy === 'deep_merge') };
    case 'list':
      return { ok: true, value: mergeList(old, v) };
    case 'string':
      return { ok: true, value: (typeof old === 'string' ? old : String(old ?? '')) + String(v) };
    case 'number': {
      const a = Number(old);
      const b = Number(v);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return { ok: false, message: `cannot ${strategy} non-numeric values` };
      return { ok: true, value: a + b };
    }
    case 'boolean':
      return { ok: false, message: `the ${strategy} strategy does not apply to boolean parameters` };
  }
}
