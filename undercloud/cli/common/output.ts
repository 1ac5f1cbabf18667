/**
 * Shared output formatting for every command: `--format table|json|yaml`. JSON and YAML print the data as
 * it is (scripts rely on the shape); tables are for people.
 */
import { createRequire } from 'node:module';
import type { stringify as yamlStringify } from 'yaml';

/** yaml is required on first use: every command loads this module, few print YAML. */
const toYaml = (data: unknown): string => (createRequire(import.meta.url)('yaml') as { stringify: typeof yamlStringify }).stringify(data);

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

export interface Column<T> {
  header: string;
  get: (row: T) => unknown;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** A plain text table: a header row, a rule, then one line per row; columns padded to their widest cell. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.get(r)).replace(/\n/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** Key/value view of one object, for `show`-style commands. */
export function renderFields(obj: Record<string, unknown>): string {
  const entries = Object.entries(obj);
  const w = Math.max(5, ...entries.map(([k]) => k.length));
  const rows = entries.map(([k, v]) => ({ k, v }));
  return renderTable(rows, [{ header: 'Field'.padEnd(w), get: (r) => r.k }, { header: 'Value', get: (r) => r.v }]);
}

export function renderData(data: unknown, format: OutputFormat, table: () => string): string {
  switch (format) {
    case 'json': return JSON.stringify(data, null, 2) + '\n';
    case 'yaml': return toYaml(data);
    case 'table': return table();
  }
}
