/** Small typed readers for step parameters: a bad parameter is a non-retryable StepError naming the key. */
import { StepError } from '../agent/types.js';

export function str(p: Record<string, unknown>, key: string, def?: string): string {
  const v = p[key] ?? def;
  if (typeof v !== 'string' || v === '') throw new StepError('invalid_params', `parameter "${key}" must be a non-empty string`, {}, false);
  return v;
}

export function optStr(p: Record<string, unknown>, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new StepError('invalid_params', `parameter "${key}" must be a string`, {}, false);
  return v;
}

export function oneOf<T extends string>(p: Record<string, unknown>, key: string, allowed: readonly T[], def: T): T {
  const v = p[key] ?? def;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new StepError('invalid_params', `parameter "${key}" must be one of ${allowed.join(', ')}`, {}, false);
  return v as T;
}

export function strList(p: Record<string, unknown>, key: string): string[] {
  const v = p[key];
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new StepError('invalid_params', `parameter "${key}" must be a string or a list of strings`, {}, false);
}
