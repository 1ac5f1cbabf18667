/** Helpers the plugins share: schema compilation (with our `updateAllowed` keyword), ids, signal-aware sleeps. */
import { Ajv, type ValidateFunction } from 'ajv';
import { randomUUID } from 'node:crypto';
import type { Json } from '../template/types.js';

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

/** A generated HOT template (members of a group, chain or deployment group) as text the template side parses. */
export function renderTemplate(resources: Record<string, { type: string; properties?: Json; metadata?: Json; depends_on?: string[] }>, outputs: Record<string, Json> = {}): string {
  const out: Record<string, Json> = { heat_template_version: 'wallaby', resources: resources as unknown as Json };
  if (Object.keys(outputs).length > 0) out.outputs = outputs;
  // JSON is YAML: the template side parses it like any other template file.
  return JSON.stringify(out);
}
