import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../../../undercloud/orchestration/template/yaml-source.js';

describe('parseYaml', () => {
  it('gives every node and key its 1-based line and column', () => {
    const { root } = parseYaml('f.yaml', 'a:\n  b: [1, x]\n');
    expect(root?.kind).toBe('map');
    if (root?.kind !== 'map') return;
    const b = root.entries[0]!.value;
    expect(b.kind === 'map' && b.entries[0]!.keyPos).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    const list = b.kind === 'map' ? b.entries[0]!.value : undefined;
    expect(list?.kind === 'list' && list.items.map((i) => i.pos.col)).toEqual([7, 10]);
  });
  it('resolves aliases and gives a key without value null on its line', () => {
    const { root } = parseYaml('f.yaml', 'a: &x {k: v}\nb: *x\nc:\n');
    if (root?.kind !== 'map') throw new Error('map expected');
    expect(root.entries[1]!.value.kind).toBe('map');
    expect(root.entries[2]!.value).toEqual({ kind: 'literal', value: null, pos: { file: 'f.yaml', line: 3, col: 3 } });
  });
  it('reports syntax errors and duplicate keys with positions', () => {
    expect(parseYaml('f.yaml', 'a: 1\na: 2\n').errors.map((e) => e.message)).toEqual(['f.yaml:2:1: Map keys must be unique']);
    expect(parseYaml('f.yaml', 'a: [\n').errors[0]?.code).toBe('YAML_SYNTAX');
  });
});
