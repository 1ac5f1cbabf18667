/**
 * Names of replaced resources. A resource replaced create-first (Heat's convergence) keeps existing until
 * its replacement is created and the traversal is done; meanwhile its row is renamed `NAME~replaced-XXXXXXXX`
 * (rows are keyed by stack and name), which is no resource of the template, so the end of the walk deletes
 * it with the other obsolete rows, and a walk that fails leaves it for the next one (or a rollback, which
 * puts it back under its name).
 */
import { randomBytes } from 'node:crypto';
import type { Json } from '../template/types.js';
import type { ResourceRecord } from '../../store/stacks.js';
import type { Persister } from './persister.js';
import type { StackRuntime } from './runtime.js';

const MARK = '~replaced-';
const RETIRED = /~replaced-[0-9a-f]{8}$/;

export function retiredName(name: string): string {
  return `${name}${MARK}${randomBytes(4).toString('hex')}`;
}

export function isRetired(name: string): boolean {
  return RETIRED.test(name);
}

/** The template name of a (possibly replaced) resource. */
export function baseName(name: string): string {
  return isRetired(name) ? name.slice(0, -(MARK.length + 8)) : name;
}

/** Moves a row aside under a retired name (call in the same tick as whatever takes its name: one transaction). */
export function retireRecord(rt: StackRuntime, rec: ResourceRecord, persister: Persister): void {
  rt.records.delete(rec.name);
  rec.name = retiredName(rec.name);
  rt.records.set(rec.name, rec);
  rt.hasRetired = true;
  persister.saveResource(rec);
}

/** A replaced resource of `name` that still exists with exactly this type and these properties. */
export function restorable(rt: StackRuntime, name: string, type: string, props: Record<string, Json>): ResourceRecord | undefined {
  if (!rt.hasRetired) return undefined;
  for (const r of rt.records.values()) {
    if (r.name === name || baseName(r.name) !== name || r.type !== type || r.status !== 'COMPLETE' || r.action === 'DELETE') continue;
    if (JSON.stringify(r.properties) === JSON.stringify(props)) return r;
  }
  return undefined;
}

/** Gives a replaced resource its name back; the resource holding the name now is retired in its place. */
export function putBack(rt: StackRuntime, r: ResourceRecord, persister: Persister): void {
  const name = baseName(r.name);
  const current = rt.records.get(name);
  if (current) retireRecord(rt, current, persister);
  rt.records.delete(r.name);
  persister.deleteResource(r.stackId, r.name);
  r.name = name;
  rt.records.set(name, r);
}
