import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extendBundle, parseStack, TemplateErrors } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, errorsOf } from '../helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/orchestration');
const KNOWN = new Set(['OS::Heat::Value', 'OS::Heat::None', 'OS::Heat::ResourceGroup']);
const isKnownType = (t: string): boolean => KNOWN.has(t);

describe('parseStack: error fixtures (expected file:line:col next to each)', () => {
  const dir = path.join(FIXTURES, 'errors');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    it(f, () => {
      const key = `errors/${f}`;
      const expected = readFileSync(path.join(dir, f.replace(/\.yaml$/, '.errors')), 'utf8').trim().split('\n');
      expect(errorsOf({ [key]: readFileSync(path.join(dir, f), 'utf8') }, { isKnownType }, key)).toEqual(expected);
    });
  }
});

describe('parseStack', () => {
  it('collects every error, sorted by position, with file:line:col messages', () => {
    try {
      parseStack(bundleOf({ 't.yaml': 'heat_template_version: wallaby\nresources:\n  b: {type: X}\n  a: {type: Y}\n' }), { isKnownType });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateErrors);
      const e = err as TemplateErrors;
      expect(e.code).toBe('TEMPLATE_INVALID');
      expect(e.errors.map((x) => x.message)).toEqual(['t.yaml:3:13: unknown resource type "X" (resources.b.type)', 't.yaml:4:13: unknown resource type "Y" (resources.a.type)']);
      expect(e.errors[0]?.path).toEqual(['resources', 'b', 'type']);
    }
  });
  it('accepts every dated version and release name', () => {
    for (const v of ['2013-05-23', '2014-10-16', '2015-04-30', '2015-10-15', '2016-04-08', 'newton', 'ocata', 'pike', 'queens', 'rocky', 'wallaby', '2021-04-16']) {
      const r = parseStack(bundleOf({ 't.yaml': `heat_template_version: ${v}\nresources: {}\n` }));
      expect(r.definition.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
  it('warns, with the position, about a near-miss function name and keeps it as data', () => {
    const r = parseStack(bundleOf({ 't.yaml': 'heat_template_version: wallaby\nresources:\n  a:\n    type: OS::Heat::Value\n    properties:\n      value: {get_parm: x}\n' }));
    expect(r.warnings).toEqual([
      { code: 'SIMILAR_FUNCTION', pos: { file: 't.yaml', line: 6, col: 15 }, path: ['resources', 'a', 'properties', 'value'], message: '"get_parm" is not a function, so this map is plain data: did you mean get_param?' },
    ]);
    const props = r.definition.resources['a']!.properties;
    expect(props.kind === 'map' && props.entries[0]?.value.kind).toBe('map');
  });
  it('treats a multi-key map containing a function name as data', () => {
    const r = parseStack(bundleOf({ 't.yaml': 'heat_template_version: wallaby\nresources:\n  a:\n    type: OS::Heat::Value\n    properties:\n      value: {get_param: x, other: 1}\n' }));
    const props = r.definition.resources['a']!.properties;
    expect(props.kind === 'map' && props.entries[0]?.value.kind).toBe('map');
  });
  it('builds resources with dependencies, policies and conditions', () => {
    const r = parseStack(
      bundleOf({
        't.yaml': [
          'heat_template_version: wallaby',
          'conditions: {on: true}',
          'resources:',
          '  a: {type: OS::Heat::Value, deletion_policy: retain, condition: on}',
          '  b: {type: OS::Heat::None, depends_on: a, metadata: {m: 1}}',
          '  c: {type: OS::Heat::None, depends_on: [a, b], update_policy: {x: 1}}',
          'outputs:',
          '  o: {value: {get_resource: a}, description: d, condition: on}',
        ].join('\n'),
      }),
    );
    expect(r.definition.resources['a']!.deletionPolicy).toBe('Retain');
    expect(r.definition.resources['b']!.dependsOn).toEqual(['a']);
    expect(r.definition.resources['c']!.dependsOn).toEqual(['a', 'b']);
    expect(r.definition.outputs['o']!.description).toBe('d');
    expect(r.definition.resources['a']!.pos).toEqual({ file: 't.yaml', line: 4, col: 3 });
  });
  it('rejects templates over max_template_size and nesting over max depth', () => {
    expect(errorsOf({ 't.yaml': 'heat_template_version: wallaby\n' + '#'.repeat(100) + '\n' }, { maxTemplateSize: 50 })).toEqual(['TEMPLATE_TOO_LARGE t.yaml:1:1']);
    const parentPos = { file: 'p.yaml', line: 7, col: 5 };
    expect(errorsOf({ 't.yaml': 'heat_template_version: wallaby\n' }, { depth: 4, maxDepth: 3, parentPos, templateFile: 't.yaml' })).toEqual(['NESTING_TOO_DEEP p.yaml:7:5']);
  });
  it('parses a nested template with the values its parent passes, and reports unknown ones', () => {
    const files = { 't.yaml': 'heat_template_version: wallaby\nresources: {}\n', 'n.yaml': 'heat_template_version: wallaby\nparameters:\n  P: {type: number}\n' };
    const r = parseStack(bundleOf(files), { templateFile: 'n.yaml', depth: 1, parameters: { P: '5' } });
    expect(r.parameterValues).toEqual({ P: 5 });
    const withDefault = { ...files, 'd.yaml': 'heat_template_version: wallaby\nparameters:\n  P: {type: number, default: 2}\n' };
    expect(parseStack(bundleOf(withDefault), { templateFile: 'd.yaml', depth: 1, parameters: { P: null } }).parameterValues).toEqual({ P: 2 });
    expect(errorsOf(files, { templateFile: 'n.yaml', depth: 1, parameters: { P: 1, Q: 2 }, parentPos: { file: 't.yaml', line: 2, col: 3 } })).toEqual(['UNKNOWN_PARAMETER t.yaml:2:3']);
  });
  it('reports a YAML 1.1 / PyYAML reading of scalars (yes is true, y and dates are strings)', () => {
    const r = parseStack(bundleOf({ 't.yaml': 'heat_template_version: 2016-10-14\nresources:\n  a: {type: OS::Heat::Value, properties: {v: [yes, y, 2020-01-01, off]}}\n' }));
    const props = r.definition.resources['a']!.properties;
    const list = props.kind === 'map' && props.entries[0]?.value.kind === 'list' ? props.entries[0].value.items.map((i) => (i.kind === 'literal' ? i.value : undefined)) : [];
    expect(list).toEqual([true, 'y', '2020-01-01', false]);
  });
  it('checks parameter_groups against the parameters', () => {
    const t = 'heat_template_version: wallaby\nparameter_groups:\n  - {label: a, parameters: [A, Z]}\n  - {label: b, parameters: [A]}\nparameters:\n  A: {type: string, default: x}\n';
    expect(errorsOf({ 't.yaml': t })).toEqual(['UNKNOWN_PARAMETER t.yaml:3:32', 'TEMPLATE_STRUCTURE t.yaml:4:29']);
  });
  it('rejects conditions before 2016-10-14', () => {
    expect(errorsOf({ 't.yaml': 'heat_template_version: 2016-04-08\nconditions: {}\nresources:\n  a: {type: OS::Heat::None, condition: true}\n' })).toEqual(['TEMPLATE_STRUCTURE t.yaml:2:1', 'TEMPLATE_STRUCTURE t.yaml:4:29']);
  });
  it('does not allow non-condition functions in conditions', () => {
    expect(errorsOf({ 't.yaml': 'heat_template_version: wallaby\nconditions:\n  c: {list_join: [",", [a]]}\n' })).toEqual(['FUNCTION_ARGS t.yaml:3:7']);
  });
  it('parses unknown-until-created parameters as given, without checking them', () => {
    const t = 'heat_template_version: wallaby\nparameters:\n  A: {type: number, constraints: [{range: {min: 5}}]}\n  B: {type: string}\n';
    expect(errorsOf({ 't.yaml': t }, { templateFile: 't.yaml', depth: 1, parameters: {}, unknownParameters: ['A', 'B'] })).toEqual([]);
    expect(errorsOf({ 't.yaml': t }, { templateFile: 't.yaml', depth: 1, parameters: {}, unknownParameters: 'all' })).toEqual([]);
    expect(errorsOf({ 't.yaml': t }, { templateFile: 't.yaml', depth: 1, parameters: { A: 1 }, unknownParameters: ['B'] })).toEqual(['PARAMETER_CONSTRAINT t.yaml:1:1']);
  });
  it('a bundle extended with generated files shares the parses of the files it does not add', () => {
    const base = bundleOf({ 't.yaml': 'heat_template_version: wallaby\nresources:\n  a: {type: m.yaml}\n', 'm.yaml': 'heat_template_version: wallaby\nresources: {}\n' });
    const first = parseStack(base, { templateFile: 'm.yaml', depth: 1 }).definition;
    const extended = extendBundle(base, { '.generated/s/g.group.json': '{"heat_template_version": "wallaby", "resources": {"0": {"type": "m.yaml"}}}' });
    expect(parseStack(extended, { templateFile: 'm.yaml', depth: 1 }).definition).toBe(first);
    const gen = parseStack(extended, { templateFile: '.generated/s/g.group.json', depth: 1 }).definition;
    expect(gen.resources['0']).toMatchObject({ providerTemplate: 'm.yaml', pos: { file: '.generated/s/g.group.json', line: 1, col: 1 } });
  });
});

