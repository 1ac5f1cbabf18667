import { describe, expect, it } from 'vitest';
import { commandWord, createProgram, loadProgram } from '../../../undercloud/cli/common/program.js';
import { UNDERCLOUD_COMMANDS } from '../../../undercloud/cli/undercloud.js';
import { OVERCLOUD_COMMANDS } from '../../../undercloud/cli/overcloud.js';

const argv = (...args: string[]) => ['node', 'undercloud', ...args];
const names = (p: { commands: readonly { name(): string }[] }) => p.commands.map((c) => c.name());

describe('lazy command modules', () => {
  it('finds the command word after global options and their values', () => {
    expect(commandWord(argv('image', 'write', 'a', 'b'))).toBe('image');
    expect(commandWord(argv('--config', '/x/undercloud.conf', '-f', 'json', 'status'))).toBe('status');
    expect(commandWord(argv('--format', 'yaml', '--debug', 'node', 'list'))).toBe('node');
    expect(commandWord(argv('--config=/x', 'events'))).toBe('events');
    expect(commandWord(argv('--help'))).toBeUndefined();
    expect(commandWord(argv())).toBeUndefined();
  });

  // The tables in undercloud.ts / overcloud.ts must say what each module registers, or a command would be
  // missing (or its group half-built) when argv names it.
  for (const [program, modules] of [['undercloud', UNDERCLOUD_COMMANDS], ['overcloud', OVERCLOUD_COMMANDS]] as const) {
    it(`${program}: each module registers exactly the top-level names its entry declares`, async () => {
      for (const m of modules) {
        const p = createProgram(program, '');
        (await m.load()).register(p);
        expect(names(p).sort(), m.names.join(',')).toEqual([...new Set(m.names)].sort());
      }
    });

    it(`${program}: naming a command loads only its modules; help and unknown words load all of them`, async () => {
      const all = await loadProgram(program, '', modules, argv());
      expect(new Set(names(all))).toEqual(new Set(modules.flatMap((m) => m.names)));
      expect(names(await loadProgram(program, '', modules, argv('nonsense')))).toEqual(names(all));
      for (const m of modules) {
        const p = await loadProgram(program, '', modules, argv('-f', 'json', m.names[0]!));
        expect(names(p)).toEqual(expect.arrayContaining([m.names[0]!]));
        expect(names(p).every((n) => modules.some((o) => o.names.includes(m.names[0]!) && o.names.includes(n)))).toBe(true);
      }
    });
  }

  it('keeps every subcommand of a group that several modules build (overcloud node)', async () => {
    const all = await loadProgram('overcloud', '', OVERCLOUD_COMMANDS, argv());
    const only = await loadProgram('overcloud', '', OVERCLOUD_COMMANDS, argv('node', 'list'));
    const sub = (p: Awaited<ReturnType<typeof loadProgram>>) => names(p.commands.find((c) => c.name() === 'node')!).sort();
    expect(sub(only)).toEqual(sub(all));
    expect(sub(only)).toEqual(expect.arrayContaining(['import', 'list', 'show', 'power', 'logs', 'provide', 'deploy', 'delete', 'unenroll']));
  });
});
