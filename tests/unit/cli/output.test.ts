import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderData, renderFields, renderTable } from '../../../undercloud/cli/common/output.js';
import { exitCodeFor, EXIT, DaemonNotRunningError } from '../../../undercloud/cli/common/errors.js';
import { InvalidError, NotFoundError, ConflictError } from '../../../undercloud/errors.js';
import { formatUptime } from '../../../undercloud/cli/commands/status.js';

const rows = [{ name: 'node-1', state: 'available', cpus: 4 }, { name: 'n2', state: 'active', cpus: 16 }];
const cols = [{ header: 'Name', get: (r: (typeof rows)[0]) => r.name }, { header: 'State', get: (r: (typeof rows)[0]) => r.state }, { header: 'CPUs', get: (r: (typeof rows)[0]) => r.cpus }];

describe('output formats', () => {
  it('renders aligned tables', () => {
    expect(renderTable(rows, cols)).toBe(
      'Name    State      CPUs\n' +
      '------  ---------  ----\n' +
      'node-1  available  4\n' +
      'n2      active     16\n');
  });

  it('renders json and yaml of the data itself', () => {
    expect(JSON.parse(renderData(rows, 'json', () => 'x'))).toEqual(rows);
    expect(parseYaml(renderData(rows, 'yaml', () => 'x'))).toEqual(rows);
    expect(renderData(rows, 'table', () => 'TABLE')).toBe('TABLE');
  });

  it('renders fields of one object, objects as JSON', () => {
    expect(renderFields({ a: 1, counts: { x: 2 } })).toBe('Field   Value\n------  -------\na       1\ncounts  {"x":2}\n');
  });

  it('maps errors to stable exit codes', () => {
    expect(exitCodeFor(new InvalidError('X', 'x'))).toBe(EXIT.invalid);
    expect(exitCodeFor(new NotFoundError('X', 'x'))).toBe(EXIT.notFound);
    expect(exitCodeFor(new ConflictError('X', 'x'))).toBe(EXIT.conflict);
    expect(exitCodeFor(new DaemonNotRunningError('/s', '/c', 'no socket'))).toBe(EXIT.notRunning);
    expect(exitCodeFor(new Error('x'))).toBe(EXIT.error);
  });

  it('formats uptime', () => {
    expect(formatUptime(3725.5)).toBe('1h 2m 5s');
    expect(formatUptime(0)).toBe('0s');
  });
});
