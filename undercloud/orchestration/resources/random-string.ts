/**
 * OS::Heat::RandomString: a generated secret. It is generated once at create and stored; an update that
 * leaves the properties alone keeps it (no change = nothing touched), and only a change of its properties
 * (length, salt, ...) replaces it with a new one, as in Heat.
 */
import { randomInt } from 'node:crypto';
import type { ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { PropertiesInvalidError } from './errors.js';

const SEQUENCES: Record<string, string> = {
  lettersdigits: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
};

interface ClassSpec { class: string; min: number }
interface SeqSpec { sequence: string; min: number }
interface RandomProps {
  [k: string]: Json;
  length: number;
  sequence: string;
  character_classes: Json;
  character_sequences: Json;
  salt: string;
}

export const randomStringResource: ResourcePlugin<RandomProps> = {
  type: 'OS::Heat::RandomString',
  description: 'A random string, generated once and kept across updates.',
  properties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      length: { type: 'integer', minimum: 1, maximum: 512, default: 32 },
      sequence: { type: 'string', enum: Object.keys(SEQUENCES) },
      character_classes: {
        type: 'array',
        items: { type: 'object', additionalProperties: false, required: ['class'], properties: { class: { type: 'string', enum: Object.keys(SEQUENCES) }, min: { type: 'integer', minimum: 1, default: 1 } } },
      },
      character_sequences: {
        type: 'array',
        items: { type: 'object', additionalProperties: false, required: ['sequence'], properties: { sequence: { type: 'string', minLength: 1 }, min: { type: 'integer', minimum: 1, default: 1 } } },
      },
      salt: { type: 'string' },
    },
  },
  attributes: { value: { description: 'The generated string.', schema: { type: 'string' } } },
  create: (ctx, p) => {
    const value = generate(p, ctx.resourceName);
    return { refId: value, attributes: { value } };
  },
};

/** Heat's rules: at least `min` characters of each class/sequence, the rest from their union, shuffled. */
export function generate(p: Partial<RandomProps>, resourceName = 'RandomString'): string {
  const length = typeof p.length === 'number' ? p.length : 32;
  const classes = (Array.isArray(p.character_classes) ? p.character_classes : []) as unknown as ClassSpec[];
  const seqs = (Array.isArray(p.character_sequences) ? p.character_sequences : []) as unknown as SeqSpec[];
  const pools: { chars: string; min: number }[] = [
    ...classes.map((c) => ({ chars: SEQUENCES[c.class]!, min: c.min ?? 1 })),
    ...seqs.map((s) => ({ chars: s.sequence, min: s.min ?? 1 })),
  ];
  if (pools.length === 0) pools.push({ chars: SEQUENCES[typeof p.sequence === 'string' ? p.sequence : 'lettersdigits'] ?? SEQUENCES.lettersdigits!, min: 0 });
  const minTotal = pools.reduce((n, x) => n + x.min, 0);
  if (minTotal > length) throw new PropertiesInvalidError('OS::Heat::RandomString', resourceName, `length ${length} is less than the combined minimums (${minTotal})`);
  const out: string[] = [];
  for (const pool of pools) for (let i = 0; i < pool.min; i++) out.push(pick(pool.chars));
  const all = [...new Set(pools.map((x) => x.chars).join(''))].join('');
  while (out.length < length) out.push(pick(all));
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.join('');
}

function pick(chars: string): string {
  return chars[randomInt(chars.length)]!;
}
