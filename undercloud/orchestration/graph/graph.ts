/**
 * A dependency graph of named nodes, pure and synchronous (Heat's dependencies.py): an edge `a requires b`
 * means b must be done before a starts (and, reversed, a must be deleted before b). Scheduling lives in
 * engine/; this file only answers questions about the shape.
 */
import { CircularDependencyError } from './errors.js';

export class Graph {
  private readonly req = new Map<string, Set<string>>();
  private readonly reqBy = new Map<string, Set<string>>();

  /** Builds a graph from `node -> what it requires`. Requirements that are not nodes are ignored (undefined resources are a validation error elsewhere). */
  static fromRequirements(requirements: Iterable<[string, Iterable<string>]>): Graph {
    const g = new Graph();
    const pending: [string, Iterable<string>][] = [];
    for (const [node, deps] of requirements) {
      g.addNode(node);
      pending.push([node, deps]);
    }
    for (const [node, deps] of pending) for (const d of deps) if (g.has(d) && d !== node) g.addEdge(node, d);
    return g;
  }

  addNode(name: string): void {
    if (!this.req.has(name)) {
      this.req.set(name, new Set());
      this.reqBy.set(name, new Set());
    }
  }

  /** `node` requires `dependency`. */
  addEdge(node: string, dependency: string): void {
    this.addNode(node);
    this.addNode(dependency);
    this.req.get(node)!.add(dependency);
    this.reqBy.get(dependency)!.add(node);
  }

  has(name: string): boolean {
    return this.req.has(name);
  }

  get nodes(): string[] {
    return [...this.req.keys()];
  }

  get size(): number {
    return this.req.size;
  }

  requires(name: string): ReadonlySet<string> {
    return this.req.get(name) ?? new Set();
  }

  requiredBy(name: string): ReadonlySet<string> {
    return this.reqBy.get(name) ?? new Set();
  }

  /** Nodes that require nothing: they can start first. */
  leaves(): string[] {
    return this.nodes.filter((n) => this.req.get(n)!.size === 0);
  }

  /** Nodes nothing requires: deletion starts with them. */
  roots(): string[] {
    return this.nodes.filter((n) => this.reqBy.get(n)!.size === 0);
  }

  /** The same nodes with every edge turned around (the order of deletion). */
  reverse(): Graph {
    const g = new Graph();
    for (const n of this.req.keys()) g.addNode(n);
    for (const [n, deps] of this.req) for (const d of deps) g.addEdge(d, n);
    return g;
  }

  /** The subgraph of `names` (edges between them only). */
  subgraph(names: Iterable<string>): Graph {
    const keep = new Set(names);
    const g = new Graph();
    for (const n of keep) if (this.has(n)) g.addNode(n);
    for (const n of keep) for (const d of this.requires(n)) if (keep.has(d)) g.addEdge(n, d);
    return g;
  }

  /** Kahn's sort: every node after all it requires. Ties keep insertion order, so the result is deterministic. Throws CircularDependencyError with the cycle. */
  topologicalSort(): string[] {
    const remaining = new Map<string, number>();
    for (const [n, deps] of this.req) remaining.set(n, deps.size);
    const queue = this.nodes.filter((n) => remaining.get(n) === 0);
    const order: string[] = [];
    for (let i = 0; i < queue.length; i++) {
      const n = queue[i]!;
      order.push(n);
      for (const m of this.reqBy.get(n)!) {
        const left = remaining.get(m)! - 1;
        remaining.set(m, left);
        if (left === 0) queue.push(m);
      }
    }
    if (order.length !== this.size) throw new CircularDependencyError(this.findCycle(new Set(order)));
    return order;
  }

  /** Throws CircularDependencyError when the graph has a cycle. */
  assertAcyclic(): void {
    this.topologicalSort();
  }

  /** A cycle among the nodes not in `done` (which the sort could not order); walks `requires` until a node repeats. */
  private findCycle(done: Set<string>): string[] {
    const stuck = this.nodes.filter((n) => !done.has(n));
    const start = stuck[0]!;
    const seenAt = new Map<string, number>();
    const path: string[] = [];
    let cur = start;
    while (!seenAt.has(cur)) {
      seenAt.set(cur, path.length);
      path.push(cur);
      // Every stuck node requires at least one other stuck node, so this never runs out.
      cur = [...this.req.get(cur)!].find((d) => !done.has(d))!;
    }
    return [...path.slice(seenAt.get(cur)!), cur];
  }
}
