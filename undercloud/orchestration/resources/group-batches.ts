/**
 * Batching of a ResourceGroup's members (update_policy `batch_create` and `rolling_update`), as Heat does it:
 * `nextBatch`/`planBatches` are heat/scaling/rolling_update.py and ResourceGroup._get_batches, and
 * `memberDefinitions` with `replacePriority` are heat/scaling/template.py's member_definitions and
 * ResourceGroup._assemble_for_rolling_update. Pure functions: the group plugin feeds them member names and
 * definitions, and tests run them over tables.
 */
import type { Json } from '../template/types.js';
import { jsonEqual } from './common.js';
import { byMemberName } from './members.js';

/** One batch: the group's size while it runs, and how many members get the new definition (new ones included). */
export interface Batch {
  capacity: number;
  updates: number;
}

/** Whether more batches are needed (rolling_update.needs_update). */
export function needsUpdate(target: number, current: number, upToDate: number): boolean {
  return !(upToDate >= current && current === target);
}

/** The next batch (rolling_update.next_batch): [new capacity, members that get the new definition]. */
export function nextBatch(target: number, current: number, upToDate: number, batchSize: number, minInService: number): Batch {
  const minSize = Math.min(minInService, target, current);
  const size = Math.min(batchSize, Math.max(target - upToDate, 0));
  return { capacity: size + Math.max(Math.min(current, target - size), minSize), updates: size };
}

/**
 * Every batch that takes a group from `current` members (none up to date) to `target` members, all up to
 * date (ResourceGroup._get_batches). `batch_create` is this with current 0 and min_in_service 0.
 */
export function planBatches(target: number, current: number, batchSize: number, minInService: number): Batch[] {
  if (batchSize < 1) throw new RangeError('max_batch_size must be at least 1');
  const out: Batch[] = [];
  let updated = 0;
  while (needsUpdate(target, current, updated)) {
    const b = nextBatch(target, current, updated, batchSize, minInService);
    out.push(b);
    updated += b.updates - Math.max(b.capacity - Math.max(current, target), 0);
    current = b.capacity;
  }
  return out;
}

export interface MemberDef {
  type: string;
  properties?: Json;
  metadata?: Json;
}

/**
 * The order in which existing members are replaced or removed (_assemble_for_rolling_update's
 * replace_priority): members no longer wanted first, then the highest indexes, members kept only to stay
 * in service (beyond the target) last. `names` are the first `capacity` member names of this batch.
 */
export function replacePriority(name: string, names: readonly string[], target: number, capacity: number): number {
  const index = names.indexOf(name);
  if (index < 0) return 0;
  return index < target ? target - index : capacity;
}

/**
 * The members of one batch (scaling/template.py member_definitions): `old` sorted by replace priority; the
 * first `capacity` from the end are kept, and up to `updates` of them (new members count first) take the new
 * definition; members already up to date keep theirs without using up the batch.
 */
export function memberDefinitions(
  old: readonly [string, MemberDef][],
  newDef: (name: string) => MemberDef,
  capacity: number,
  updates: number,
  newName: () => string,
): [string, MemberDef][] {
  const kept = capacity === 0 ? [] : old.slice(-capacity);
  const create = capacity - kept.length;
  let replace = updates - create;
  const out: [string, MemberDef][] = [];
  for (let i = 0; i < capacity; i++) {
    if (i < kept.length) {
      const [name, def] = kept[i]!;
      const wanted = newDef(name);
      if (!sameDef(def, wanted) && replace > 0) {
        replace--;
        out.push([name, wanted]);
      } else out.push([name, def]);
    } else {
      const name = newName();
      out.push([name, newDef(name)]);
    }
  }
  return out.sort((a, b) => byMemberName(a[0], b[0]));
}

/** The members of batch `batch`, from the members the child has now. */
export function assembleBatch(
  current: ReadonlyMap<string, MemberDef>,
  batch: Batch,
  target: number,
  namesFor: (capacity: number) => string[],
  newDef: (name: string) => MemberDef,
): [string, MemberDef][] {
  const names = namesFor(batch.capacity);
  const old = [...current.entries()].sort(
    (a, b) => replacePriority(a[0], names, target, batch.capacity) - replacePriority(b[0], names, target, batch.capacity) || byMemberName(a[0], b[0]),
  );
  const fresh = names.filter((n) => !current.has(n));
  let next = 0;
  return memberDefinitions(old, newDef, batch.capacity, batch.updates, () => fresh[next++] ?? String(names.length + next));
}

export function sameDef(a: MemberDef, b: MemberDef): boolean {
  return a.type === b.type && jsonEqual(a.properties ?? {}, b.properties ?? {}) && jsonEqual(a.metadata, b.metadata);
}
