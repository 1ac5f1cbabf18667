/**
 * Expands the requested elements into the full, ordered set to build with, as diskimage-builder's
 * element_dependencies.py does: follow element-deps transitively, let an element satisfy a dependency on
 * something it provides (element-provides), refuse two providers of one thing, and report a missing
 * element or a cycle with the chain of elements that led to it. Pure: elements come from a lookup.
 *
 * The order is a depth-first post-order: an element comes after everything it depends on, and ties
 * keep the order of the request. Phase scripts are sorted by name anyway; the order matters for
 * environment.d files and for which element's same-named script wins.
 */
import { AlreadyProvidedError, ElementCycleError, MissingElementError } from './errors.js';

export interface ElementInfo {
  name: string;
  deps: readonly string[];
  provides: readonly string[];
}

export interface ExpandResult {
  /** Elements in dependency order (dependencies first). */
  order: string[];
  /** What each provided name resolved to (`operating-system` -> `debian`). */
  provided: Record<string, string>;
}

export function expandElements(requested: readonly string[], lookup: (name: string) => ElementInfo | undefined, searched: readonly string[] = []): ExpandResult {
  // First pass: the closure of real elements, without provided names, to learn who provides what.
  const provided = new Map<string, string[]>();
  const closure = new Map<string, ElementInfo>();
  const stack: { name: string; chain: string[] }[] = requested.map((name) => ({ name, chain: [] }));
  const pendingVirtual: { name: string; chain: string[] }[] = [];
  while (stack.length > 0) {
    const { name, chain } = stack.shift()!;
    if (closure.has(name)) continue;
    const el = lookup(name);
    if (!el) {
      pendingVirtual.push({ name, chain });
      continue;
    }
    closure.set(name, el);
    for (const p of el.provides) provided.set(p, [...(provided.get(p) ?? []), name]);
    for (const d of el.deps) stack.push({ name: d, chain: [...chain, name] });
  }
  for (const [p, by] of provided) if (by.length > 1) throw new AlreadyProvidedError(p, by);
  for (const { name, chain } of pendingVirtual) {
    if (!provided.has(name) && !closure.has(name)) throw new MissingElementError(name, chain, searched);
  }
  const resolve = (name: string): string => (closure.has(name) ? name : provided.get(name)![0]!);

  // Second pass: depth-first post-order with cycle detection on the resolved graph.
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new ElementCycleError([...path.slice(path.indexOf(name)), name]);
    }
    state.set(name, 'visiting');
    for (const d of closure.get(name)!.deps) {
      const target = resolve(d);
      if (target === name) continue; // an element may list what it provides among its deps
      visit(target, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const r of requested) visit(resolve(r), []);
  const providedOut: Record<string, string> = {};
  for (const [p, by] of provided) providedOut[p] = by[0]!;
  return { order, provided: providedOut };
}
