/**
 * Heat is Python: where it turns values into text, the text is Python's. list_join and str_replace
 * serialise maps and lists with json.dumps(sort_keys=True) (", " and ": " separators, non-ASCII escaped);
 * make_url quotes with urllib.parse.quote/urlencode. These reproduce those outputs byte for byte.
 */
import type { Json } from '../template/types.js';

export function pyJsonDumps(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return '[' + v.map(pyJsonDumps).join(', ') + ']';
  const keys = Object.keys(v).sort();
  return '{' + keys.map((k) => `${pyString(k)}: ${pyJsonDumps(v[k] as Json)}`).join(', ') + '}';
}

function pyNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  return String(n);
}

function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) {
      if (c > 0xffff) {
        const hi = Math.floor((c - 0x10000) / 0x400) + 0xd800;
        const lo = ((c - 0x10000) % 0x400) + 0xdc00;
        out += `\\u${hi.toString(16).padStart(4, '0')}\\u${lo.toString(16).padStart(4, '0')}`;
      } else out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** Python's str() of a scalar, as str_replace uses it (str(True) is 'True', str(None) is handled by callers). */
export function pyStr(v: boolean | number | string): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;

/** urllib.parse.quote(s, safe). */
export function pyQuote(s: string, safe = '/'): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && (ALWAYS_SAFE.test(ch) || safe.includes(ch))) out += ch;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** urllib.parse.urlencode(dict): quote_plus of keys and str() values, joined with &. */
export function pyUrlencode(q: { [k: string]: Json }): string {
  const plus = (s: string): string => pyQuote(s, ' ').replace(/ /g, '+');
  return Object.entries(q)
    .map(([k, v]) => `${plus(k)}=${plus(typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? pyStr(v) : pyJsonDumps(v))}`)
    .join('&');
}
