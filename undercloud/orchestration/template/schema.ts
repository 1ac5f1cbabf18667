/**
 * The structure of a HOT template as a JSON Schema, checked with ajv on the plain-data view (functions
 * are single-key maps there, so property values are unconstrained). Semantics come after, in validate.ts.
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';

const anyValue = {};
const stringOrCall = { anyOf: [{ type: 'string' }, { type: 'object', minProperties: 1, maxProperties: 1 }] };

const parameter = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: ['string', 'number', 'comma_delimited_list', 'json', 'boolean', 'String', 'Number', 'CommaDelimitedList', 'Json', 'Boolean'] },
    label: { type: 'string' },
    description: { type: 'string' },
    default: anyValue,
    hidden: { type: ['boolean', 'string'] },
    immutable: { type: ['boolean', 'string'] },
    tags: { type: 'array', items: { type: 'string' } },
    constraints: {
      type: 'array',
      items: {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: {
          length: { type: 'object', additionalProperties: false, minProperties: 1, properties: { min: { type: ['number', 'string'] }, max: { type: ['number', 'string'] } } },
          range: { type: 'object', additionalProperties: false, minProperties: 1, properties: { min: { type: ['number', 'string'] }, max: { type: ['number', 'string'] } } },
          modulo: { type: 'object', additionalProperties: false, required: ['step', 'offset'], properties: { step: { type: ['number', 'string'] }, offset: { type: ['number', 'string'] } } },
          allowed_values: { type: 'array' },
          allowed_pattern: { type: 'string' },
          custom_constraint: { type: 'string' },
          description: { type: 'string' },
        },
      },
    },
  },
};

const resource = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1 },
    properties: { type: 'object' },
    metadata: anyValue,
    depends_on: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    update_policy: anyValue,
    deletion_policy: { anyOf: [{ enum: ['Delete', 'Retain', 'Snapshot', 'delete', 'retain', 'snapshot'] }, { type: 'object', minProperties: 1, maxProperties: 1 }] },
    external_id: stringOrCall,
    condition: { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'object', minProperties: 1, maxProperties: 1 }] },
  },
};

const output = {
  type: 'object',
  required: ['value'],
  additionalProperties: false,
  properties: {
    description: { type: 'string' },
    value: anyValue,
    condition: { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'object', minProperties: 1, maxProperties: 1 }] },
  },
};

export const templateSchema = {
  type: 'object',
  required: ['heat_template_version'],
  additionalProperties: false,
  properties: {
    heat_template_version: { type: 'string' },
    description: { type: 'string' },
    parameter_groups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { label: { type: 'string' }, description: { type: 'string' }, parameters: { type: 'array', items: { type: 'string' } } },
      },
    },
    parameters: { type: 'object', additionalProperties: parameter },
    resources: { type: 'object', additionalProperties: resource },
    outputs: { type: 'object', additionalProperties: output },
    conditions: { type: 'object' },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(templateSchema);

const SECTIONS = ['parameters', 'resources', 'outputs', 'conditions'];

/** An empty section (`resources:`) is null in YAML and fine in Heat: check it as an empty map. */
function normalise(doc: unknown): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const out: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const s of SECTIONS) if (out[s] === null) out[s] = {};
  const res = out['resources'];
  if (typeof res === 'object' && res !== null && !Array.isArray(res)) {
    out['resources'] = Object.fromEntries(
      Object.entries(res).map(([k, r]) => [k, typeof r === 'object' && r !== null && (r as Record<string, unknown>)['properties'] === null ? { ...r, properties: {} } : r]),
    );
  }
  return out;
}

/**
 * Structure errors. For an `anyOf` that failed, the branch errors at the same location are noise: keep
 * the anyOf error alone there (its branches' deeper errors stay, being specific).
 */
export function checkStructure(doc: unknown): ErrorObject[] {
  if (validate(normalise(doc))) return [];
  const errs = validate.errors ?? [];
  const anyOfAt = new Set(errs.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errs.filter((e) => e.keyword === 'anyOf' || !(anyOfAt.has(e.instancePath) && e.schemaPath.includes('/anyOf/')));
}
