/**
 * Stacks and their resources (the orchestration aggregate). Built for big trees: resource rows are written
 * in batches inside one transaction by the engine (`saveResources`), and only rows that changed are passed
 * in; statements are prepared once per repository.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from './store.js';
import type { Json, TemplateBundle } from '../orchestration/template/types.js';

export type StackAction = 'CREATE' | 'UPDATE' | 'DELETE' | 'ROLLBACK' | 'SUSPEND' | 'RESUME' | 'ADOPT' | 'SNAPSHOT' | 'CHECK' | 'RESTORE' | 'INIT';
export type StackStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

/** What a stack is made from. The root keeps the uploaded bundle; nested stacks name a file of it (or a generated one). */
export interface StackTemplate {
  bundle?: TemplateBundle;
  templateFile: string;
  parameters: Record<string, Json>;
  /** Files the parent resource generated (a group's member template). */
  files: Record<string, string>;
  /**
   * For a nested stack: the digest of the root's template bundle it was last converged with. A parent whose
   * properties did not change still descends into it when this differs (a provider template, a get_file
   * script or an environment file changed), so edits of nested templates are never silently skipped.
   */
  bundleDigest?: string;
}

export interface StackRecord {
  id: string;
  name: string;
  parentId: string | undefined;
  parentResource: string | undefined;
  rootId: string;
  action: StackAction;
  status: StackStatus;
  statusReason: string;
  template: StackTemplate;
  outputs: Record<string, Json> | undefined;
  timeoutMinutes: number | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface ResourceRecord {
  stackId: string;
  name: string;
  type: string;
  action: StackAction;
  status: StackStatus;
  statusReason: string;
  refId: string | undefined;
  handle: Json | undefined;
  attributes: Record<string, Json>;
  properties: Record<string, Json> | undefined;
  requires: string[];
  nestedStackId: string | undefined;
  deletionPolicy: 'Delete' | 'Retain' | 'Snapshot';
  /** Order in the template, for listings. */
  position: number;
  updatedAt: string;
}

interface StackRow {
  id: string; name: string; parent_id: string | null; parent_resource: string | null; root_id: string; action: StackAction; status: StackStatus;
  status_reason: string; template: string; outputs: string | null; timeout_minutes: number | null; created_at: string; updated_at: string;
}
interface ResourceRow {
  stack_id: string; name: string; type: string; action: StackAction; status: StackStatus; status_reason: string; ref_id: string | null; handle: string | null;
  attributes: string; properties: string | null; requires: string; nested_stack_id: string | null; deletion_policy: 'Delete' | 'Retain' | 'Snapshot'; position: number; updated_at: string;
}

/** A deployment as engine/reapply.ts reads it. */
export interface DeploymentRow {
  stackId: string;
  name: string;
  server: string | null;
  instance: string | null;
  /** ISO time the row last changed. */
  updatedAt: string;
}

export class StacksRepo {
  private readonly upsertStmt: Statement;
  private readonly statements = new Map<string, Statement>();
  private readonly stackStateStmt: Statement;

  constructor(private readonly store: Store) {
    this.upsertStmt = store.sql.prepare(`INSERT INTO stack_resources (stack_id, name, type, action, status, status_reason, ref_id, handle, attributes, properties, requires, nested_stack_id, deletion_policy, position, updated_at)
      VALUES (@stackId, @name, @type, @action, @status, @statusReason, @refId, @handle, @attributes, @properties, @requires, @nestedStackId, @deletionPolicy, @position, @updatedAt)
      ON CONFLICT (stack_id, name) DO UPDATE SET type = excluded.type, action = excluded.action, status = excluded.status, status_reason = excluded.status_reason,
        ref_id = excluded.ref_id, handle = excluded.handle, attributes = excluded.attributes, properties = excluded.properties, requires = excluded.requires,
        nested_stack_id = excluded.nested_stack_id, deletion_policy = excluded.deletion_policy, position = excluded.position, updated_at = excluded.updated_at`);
    this.stackStateStmt = store.sql.prepare('UPDATE stacks SET action = ?, status = ?, status_reason = ?, updated_at = ? WHERE id = ?');
  }

  /** Statements are prepared once per repository (thousands of nested stacks call these). */
  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.store.sql.prepare(sql)));
    return st;
  }

  insertStack(s: Omit<StackRecord, 'createdAt' | 'updatedAt'>): StackRecord {
    const now = new Date().toISOString();
    this.stmt(`INSERT INTO stacks (id, name, parent_id, parent_resource, root_id, action, status, status_reason, template, outputs, timeout_minutes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(s.id, s.name, s.parentId ?? null, s.parentResource ?? null, s.rootId, s.action, s.status, s.statusReason, JSON.stringify(s.template), s.outputs === undefined ? null : JSON.stringify(s.outputs), s.timeoutMinutes ?? null, now, now);
    return { ...s, createdAt: now, updatedAt: now };
  }

  get(id: string): StackRecord | undefined {
    const row = this.stmt('SELECT * FROM stacks WHERE id = ?').get(id) as StackRow | undefined;
    return row && stackFromRow(row);
  }

  /** A root stack by name or id. */
  findRoot(nameOrId: string): StackRecord | undefined {
    const row = this.stmt('SELECT * FROM stacks WHERE parent_id IS NULL AND (name = ? OR id = ?)').get(nameOrId, nameOrId) as StackRow | undefined;
    return row && stackFromRow(row);
  }

  listRoots(): StackRecord[] {
    return (this.stmt('SELECT * FROM stacks WHERE parent_id IS NULL ORDER BY created_at').all() as StackRow[]).map(stackFromRow);
  }

  setState(id: string, action: StackAction, status: StackStatus, reason: string): void {
    this.stackStateStmt.run(action, status, reason, new Date().toISOString(), id);
  }

  setTemplate(id: string, template: StackTemplate, timeoutMinutes?: number): void {
    this.stmt('UPDATE stacks SET template = ?, timeout_minutes = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(template), timeoutMinutes ?? null, new Date().toISOString(), id);
  }

  setOutputs(id: string, outputs: Record<string, Json>): void {
    this.stmt('UPDATE stacks SET outputs = ? WHERE id = ?').run(JSON.stringify(outputs), id);
  }

  /** Removes a stack with its resources and nested stacks (ON DELETE CASCADE). */
  deleteStack(id: string): void {
    this.stmt('DELETE FROM stacks WHERE id = ?').run(id);
  }

  resources(stackId: string): ResourceRecord[] {
    return (this.stmt('SELECT * FROM stack_resources WHERE stack_id = ? ORDER BY position, name').all(stackId) as ResourceRow[]).map(resourceFromRow);
  }

  /** Every resource of a root stack's tree, with the stack it belongs to (for listings and failures). */
  treeResources(rootId: string): (ResourceRecord & { stackName: string })[] {
    const rows = this.stmt('SELECT r.*, s.name AS stack_name FROM stack_resources r JOIN stacks s ON s.id = r.stack_id WHERE s.root_id = ? ORDER BY s.created_at, r.position, r.name')
      .all(rootId) as (ResourceRow & { stack_name: string })[];
    return rows.map((r) => ({ ...resourceFromRow(r), stackName: r.stack_name }));
  }

  /**
   * The live resources of the given types in a root stack's tree, with the `server` property, the handle's
   * `instance` and when the row last changed (what engine/reapply.ts compares); read from the JSON columns
   * without parsing rows.
   */
  treeDeployments(rootId: string, types: readonly string[]): DeploymentRow[] {
    return this.stmt(`SELECT r.stack_id AS stackId, r.name AS name, json_extract(r.properties, '$.server') AS server, json_extract(r.handle, '$.instance') AS instance, r.updated_at AS updatedAt
      FROM stack_resources r JOIN stacks s ON s.id = r.stack_id
      WHERE s.root_id = ? AND r.status = 'COMPLETE' AND r.action IN ('CREATE', 'UPDATE') AND r.type IN (${types.map(() => '?').join(', ')})`)
      .all(rootId, ...types) as DeploymentRow[];
  }

  /**
   * The resources of one type in a root stack's tree that hold a reference (a server holding its node), with
   * their stored properties; those deleted are left out. Reads only the rows of that type (the pre-flight
   * node count runs before every update, and a tree can hold thousands of other resources).
   */
  treeResourcesOfType(rootId: string, type: string): { refId: string; action: string; status: string; properties: Record<string, Json> }[] {
    const rows = this.stmt(`SELECT r.ref_id AS refId, r.action AS action, r.status AS status, r.properties AS properties
      FROM stack_resources r JOIN stacks s ON s.id = r.stack_id
      WHERE s.root_id = ? AND r.type = ? AND r.ref_id IS NOT NULL AND NOT (r.action = 'DELETE' AND r.status = 'COMPLETE')`)
      .all(rootId, type) as { refId: string; action: string; status: string; properties: string | null }[];
    return rows.map((r) => ({ ...r, properties: r.properties === null ? {} : (JSON.parse(r.properties) as Record<string, Json>) }));
  }

  /** Stack id -> parent stack id for every stack of a root's tree (the root maps to null). */
  treeParents(rootId: string): Map<string, string | null> {
    const rows = this.stmt('SELECT id, parent_id FROM stacks WHERE root_id = ?').all(rootId) as { id: string; parent_id: string | null }[];
    return new Map(rows.map((r) => [r.id, r.parent_id]));
  }

  /** Counts of a tree's resources by `ACTION_STATUS`. */
  treeCounts(rootId: string): Record<string, number> {
    const rows = this.stmt(`SELECT r.action || '_' || r.status AS state, count(*) AS n FROM stack_resources r JOIN stacks s ON s.id = r.stack_id WHERE s.root_id = ? GROUP BY state`)
      .all(rootId) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Writes the given rows (call inside store.tx to batch). */
  saveResources(records: readonly ResourceRecord[]): void {
    for (const r of records) {
      this.upsertStmt.run({
        stackId: r.stackId, name: r.name, type: r.type, action: r.action, status: r.status, statusReason: r.statusReason,
        refId: r.refId ?? null, handle: r.handle === undefined ? null : JSON.stringify(r.handle), attributes: JSON.stringify(r.attributes),
        properties: r.properties === undefined ? null : JSON.stringify(r.properties), requires: JSON.stringify(r.requires),
        nestedStackId: r.nestedStackId ?? null, deletionPolicy: r.deletionPolicy, position: r.position, updatedAt: r.updatedAt,
      });
    }
  }

  deleteResource(stackId: string, name: string): void {
    this.stmt('DELETE FROM stack_resources WHERE stack_id = ? AND name = ?').run(stackId, name);
  }

  putConfig(id: string, stackId: string, body: Json): void {
    this.stmt('INSERT OR REPLACE INTO software_configs (id, stack_id, body, created_at) VALUES (?, ?, ?, ?)').run(id, stackId, JSON.stringify(body), new Date().toISOString());
  }

  getConfig(id: string): Json | undefined {
    const row = this.stmt('SELECT body FROM software_configs WHERE id = ?').get(id) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as Json);
  }

  removeConfig(id: string): void {
    this.stmt('DELETE FROM software_configs WHERE id = ?').run(id);
  }

  addSignal(handleId: string, data: Json): number {
    const row = this.stmt('SELECT coalesce(max(seq), 0) + 1 AS seq FROM wait_signals WHERE handle_id = ?').get(handleId) as { seq: number };
    this.stmt('INSERT INTO wait_signals (handle_id, seq, data, created_at) VALUES (?, ?, ?, ?)').run(handleId, row.seq, JSON.stringify(data), new Date().toISOString());
    return row.seq;
  }

  signals(handleId: string): Json[] {
    return (this.stmt('SELECT data FROM wait_signals WHERE handle_id = ? ORDER BY seq').all(handleId) as { data: string }[]).map((r) => JSON.parse(r.data) as Json);
  }
}

function stackFromRow(r: StackRow): StackRecord {
  return {
    id: r.id, name: r.name, parentId: r.parent_id ?? undefined, parentResource: r.parent_resource ?? undefined, rootId: r.root_id, action: r.action, status: r.status,
    statusReason: r.status_reason, template: JSON.parse(r.template) as StackTemplate, outputs: r.outputs === null ? undefined : (JSON.parse(r.outputs) as Record<string, Json>),
    timeoutMinutes: r.timeout_minutes ?? undefined, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function resourceFromRow(r: ResourceRow): ResourceRecord {
  return {
    stackId: r.stack_id, name: r.name, type: r.type, action: r.action, status: r.status, statusReason: r.status_reason, refId: r.ref_id ?? undefined,
    handle: r.handle === null ? undefined : (JSON.parse(r.handle) as Json), attributes: JSON.parse(r.attributes) as Record<string, Json>,
    properties: r.properties === null ? undefined : (JSON.parse(r.properties) as Record<string, Json>), requires: JSON.parse(r.requires) as string[],
    nestedStackId: r.nested_stack_id ?? undefined, deletionPolicy: r.deletion_policy, position: r.position, updatedAt: r.updated_at,
  };
}
