/**
 * Parameters: definitions from the template, value coercion by type (Heat's parameters.py) and constraint
 * checks. Coercion and constraints return messages; callers attach the position of wherever the value
 * came from (an environment key, a default, the parent's property).
 */
import type { Json, ParameterConstraint, ParameterDef, ParameterType } from './types.js';

const TRUE = new Set(['t', 'true', 'on', 'y', 'yes', '1']);
const FALSE = new Set(['f', 'false', 'off', 'n', 'no', '0']);

export type Coerced = { ok: true; value: Json } | { ok: false; message: string };

/** Converts a supplied value to the parameter's type, as Heat does (strings are parsed). */
export function coerceParameter(type: ParameterType, value: Json): Coerced {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, message: `value must be a string, not ${JSON.stringify(value)}` };
    case 'number': {
      if (typeof value === 'number') return { ok: true, value };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { ok: true, value: Number(value) };
      return { ok: false, message: `value must be a number, not ${JSON.stringify(value)}` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const s = String(value).toLowerCase();
      if ((typeof value === 'string' || typeof value === 'number') && TRUE.has(s)) return { ok: true, value: true };
      if ((typeof value === 'string' || typeof value === 'number') && FALSE.has(s)) return { ok: true, value: false };
      return { ok: false, message: `value must be a boolean (t/true/on/y/yes/1 or f/false/off/n/no/0), not ${JSON.stringify(value)}` };
    }
    case 'comma_delimited_list': {
      if (Array.isArray(value)) return { ok: true, value: value.map((x) => (typeof x === 'string' ? x : x === null ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x))) };
      if (typeof value === 'string') {
        const t = value.trim();
        return { ok: true, value: t === '' ? [] : t.split(',').map((x) => x.trim()) };
      }
      if (value === null) return { ok: true, value: [] };
      if (typeof value === 'number') return { ok: true, value: [String(value)] };
      return { ok: false, message: `value must be a comma-delimited list, not ${JSON.stringify(value)}` };
    }
    case 'json': {
      if (typeof value === 'object' && value !== null) return { ok: true, value };
      if (value === null) return { ok: true, value: {} };
      if (typeof value === 'string') {
        if (value.trim() === '') return { ok: true, value: {} };
        try {
          const parsed = JSON.parse(value) as Json;
          if (typeof parsed === 'object' && parsed !== null) return { ok: true, value: parsed };
        } catch {
          // fall through to the error below
        }
      }
      return { ok: false, message: `value must be a JSON map or list, not ${JSON.stringify(value)}` };
    }
  }
}

function num(v: Json | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
}

function sizeOf(v: Json): number | undefined {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length;
  return undefined;
}

/** Messages for every constraint the (coerced) value violates. custom_constraint is accepted unchecked. */
export function checkConstraints(def: ParameterDef, value: Json): { constraint: ParameterConstraint; message: string }[] {
  const out: { constraint: ParameterConstraint; message: string }[] = [];
  const bad = (c: ParameterConstraint, m: string): void => void out.push({ constraint: c, message: c.description ?? m });
  for (const c of def.constraints) {
    const spec = c.spec;
    const o = typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? spec : {};
    switch (c.kind) {
      case 'length': {
        const n = sizeOf(value);
        const min = num(o['min']);
        const max = num(o['max']);
        if (n === undefined) break;
        if (min !== undefined && n < min) bad(c, `length must be at least ${min} (is ${n})`);
        if (max !== undefined && n > max) bad(c, `length must be at most ${max} (is ${n})`);
        break;
      }
      case 'range': {
        const n = num(value);
        const min = num(o['min']);
        const max = num(o['max']);
        if (n === undefined) break;
        if (min !== undefined && n < min) bad(c, `${n} is below the minimum ${min}`);
        if (max !== undefined && n > max) bad(c, `${n} is above the maximum ${max}`);
        break;
      }
      case 'modulo': {
        const n = num(value);
        const step = num(o['step']);
        const offset = num(o['offset']) ?? 0;
        if (n === undefined || step === undefined || step === 0) break;
        const r = ((n % step) + step) % step;
        if (r !== offset) bad(c, `${n} is not a multiple of ${step} with offset ${offset}`);
        break;
      }
      case 'allowed_values': {
        const allowed = Array.isArray(spec) ? spec.map((x) => String(x)) : [];
        const items = Array.isArray(value) ? value : [value];
        const off = items.filter((x) => !allowed.includes(typeof x === 'string' ? x : String(x)));
        if (off.length > 0) bad(c, `${off.map((x) => JSON.stringify(x)).join(', ')} not in allowed values [${allowed.join(', ')}]`);
        break;
      }
      case 'allowed_pattern': {
        if (typeof spec !== 'string') break;
        const items = Array.isArray(value) ? value : [value];
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${spec})`, 'u');
        } catch {
          bad(c, `invalid allowed_pattern ${JSON.stringify(spec)}`);
          break;
        }
        for (const x of items) {
          const s = typeof x === 'string' ? x : JSON.stringify(x);
          const m = re.exec(s);
          // Heat: re.match must consume the whole value.
          if (m === null || m[0].length !== s.length) bad(c, `"${s}" does not match pattern "${spec}"`);
        }
        break;
      }
      case 'custom_constraint':
        break;
    }
  }
  return out;
}
