/**
 * The YAML image definition file, shaped like diskimage-builder's (`diskimage-builder file.yaml`): a list
 * of entries with `imagename`, `elements`, `environment` and `ramdisk`, plus our `outputs` (what DIB
 * calls `-t`) and the disk sizes. Entries with the same imagename are merged, as DIB merges them:
 * elements are appended, environment keys overridden, scalar options replaced.
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InvalidImageDefinitionError } from './errors.js';

export const OUTPUT_FORMATS = ['raw', 'qcow2'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ImageDefinition {
  imagename: string;
  elements: string[];
  environment: Record<string, string>;
  /** Disk formats for a disk image; ignored for a ramdisk, whose outputs are .kernel and .initramfs. */
  outputs: OutputFormat[];
  ramdisk: boolean;
  /** Size of the raw disk in MiB; default: the root contents plus `rootExtraMiB`, plus the ESP. */
  imageSizeMiB: number | undefined;
  espSizeMiB: number;
  rootExtraMiB: number;
  rootLabel: string;
}

interface RawEntry {
  imagename: string;
  elements?: string[];
  environment?: Record<string, string | number | boolean>;
  outputs?: OutputFormat[];
  ramdisk?: boolean;
  'image-size'?: number;
  'esp-size'?: number;
  'root-extra-size'?: number;
  'root-label'?: string;
}

const schema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['imagename'],
    additionalProperties: false,
    properties: {
      imagename: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
      elements: { type: 'array', items: { type: 'string', minLength: 1 } },
      environment: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      outputs: { type: 'array', items: { enum: [...OUTPUT_FORMATS] }, minItems: 1 },
      ramdisk: { type: 'boolean' },
      'image-size': { type: 'integer', minimum: 64, description: 'MiB' },
      'esp-size': { type: 'integer', minimum: 32, description: 'MiB' },
      'root-extra-size': { type: 'integer', minimum: 0, description: 'MiB' },
      'root-label': { type: 'string', pattern: '^[A-Za-z0-9_-]{1,16}$' },
      'debug-trace': { type: ['boolean', 'integer'] },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile<RawEntry[]>(schema);

export function parseImageDefinitions(text: string, file = 'image definition'): ImageDefinition[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InvalidImageDefinitionError(file, (err as Error).message);
  }
  if (!validate(doc)) {
    const e = validate.errors ?? [];
    throw new InvalidImageDefinitionError(file, e.map((x) => `${x.instancePath || '/'} ${x.message ?? ''}`).join('; '));
  }
  const merged = new Map<string, ImageDefinition>();
  for (const raw of doc) {
    const prev = merged.get(raw.imagename);
    const env: Record<string, string> = { ...(prev?.environment ?? {}) };
    for (const [k, v] of Object.entries(raw.environment ?? {})) env[k] = String(v);
    merged.set(raw.imagename, {
      imagename: raw.imagename,
      elements: [...(prev?.elements ?? []), ...(raw.elements ?? []).filter((e) => !(prev?.elements ?? []).includes(e))],
      environment: env,
      outputs: raw.outputs ?? prev?.outputs ?? ['qcow2'],
      ramdisk: raw.ramdisk ?? prev?.ramdisk ?? false,
      imageSizeMiB: raw['image-size'] ?? prev?.imageSizeMiB,
      espSizeMiB: raw['esp-size'] ?? prev?.espSizeMiB ?? 128,
      rootExtraMiB: raw['root-extra-size'] ?? prev?.rootExtraMiB ?? 256,
      rootLabel: raw['root-label'] ?? prev?.rootLabel ?? 'cloudimg-rootfs',
    });
  }
  for (const d of merged.values()) {
    if (d.elements.length === 0) throw new InvalidImageDefinitionError(file, `${d.imagename}: no elements`);
  }
  return [...merged.values()];
}

export function loadImageDefinitions(file: string): ImageDefinition[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidImageDefinitionError(file, `cannot read: ${(err as Error).message}`, );
  }
  return parseImageDefinitions(text, file);
}
