/** Helpers the plugins share: schema compilation (with our `updateAllowed` keyword), ids, signal-aware sleeps. */
import { Ajv, type ValidateFunction } from 'ajv';
import { randomUUID } from 'node:crypto';
import type { Json } from '../template/types.js';
import { GENERATED_DIR, isTemplatePath, resolveRef } from '../template/paths.js';

// `updateAllowed` is data for the engine's diff, not a validation rule; registering it keeps ajv strict.
const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'updateAllowed', schemaType: 'boolean' });

const cache = new WeakMap<object, ValidateFunction>();

export function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let v = cache.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    cache.set(schema, v);
  }
  return v;
}

/** ajv's errors as one line: `/path message; ...`. */
export function describeErrors(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ');
}

/** True when a change to property `key` may be applied in place. */
export function isUpdateAllowed(schema: Record<string, unknown>, key: string): boolean {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const p = props[key];
  if (p) return p.updateAllowed === true;
  const extra = schema.additionalProperties;
  return typeof extra === 'object' && extra !== null && (extra as Record<string, unknown>).updateAllowed === true;
}

export function newId(): string {
  return randomUUID();
}

export function asString(v: Json | undefined, fallback = ''): string {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function asRecord(v: Json | undefined): Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/**
 * Stands for a value that is only known once other resources exist, while a template tree is validated
 * before anything is created (a get_attr, a get_resource, or a parameter fed from one).
 */
export const UNKNOWN = '\uE000unknown until created\uE000';

/** True when `v` is, or contains, a value only known at create time. */
export function containsUnknown(v: Json | undefined): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsUnknown);
  return false;
}

/** A deep copy of a JSON value (much cheaper than structuredClone for the small maps properties are). */
export function cloneJson<T extends Json>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(v)) out[k] = cloneJson(v[k]!);
    return out as T;
  }
  return v;
}

/** Deep equality of JSON values, ignoring key order. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/** Any JSON value. */
export const anyValue = {} as const;

/** Indexes into a value by keys and list indexes (get_attr's path); undefined when the path leads nowhere. */
export function dig(value: Json | undefined, path: readonly Json[]): Json | undefined {
  let cur: Json | undefined = value;
  for (const k of path) {
    if (cur === undefined || cur === null) return undefined;
    if (Array.isArray(cur)) cur = cur[typeof k === 'number' ? k : Number(k)];
    else if (typeof cur === 'object') cur = cur[String(k)];
    else return undefined;
  }
  return cur;
}

/**
 * A member type for a generated template: a template path written in `definedIn` is made relative to the
 * tree's root, which is where references from generated templates resolve.
 */
export function memberType(type: string, definedIn: string): string {
  if (!isTemplatePath(type)) return type;
  const r = resolveRef({}, definedIn, type);
  return r.ok ? r.key : type;
}

/** The bundle key of a template the engine renders for a resource's child stack (JSON; see template/paths.ts). */
export function generatedFile(stackName: string, resourceName: string, kind: 'group' | 'chain' | 'deployments'): string {
  return `${GENERATED_DIR}${stackName}/${resourceName}.${kind}.json`;
}

/** A generated HOT template (members of a group, chain or deployment group) as text the template side parses. */
export function renderTemplate(resources: Record<string, { type: string; properties?: Json; metadata?: Json; depends_on?: string[] }>, outputs: Record<string, Json> = {}): string {
  const out: Record<string, Json> = { heat_template_version: 'wallaby', resources: resources as unknown as Json };
  if (Object.keys(outputs).length > 0) out.outputs = outputs;
  // JSON is YAML: the template side parses it like any other template file.
  return JSON.stringify(out);
}
