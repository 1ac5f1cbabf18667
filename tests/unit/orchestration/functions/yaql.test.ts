import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

const y = (expression: string, data: string): string => `{yaql: {expression: ${JSON.stringify(expression)}, data: ${data}}}`;

describe('yaql (subset)', () => {
  it('navigates $.data', () => {
    expect(evalExpr(y('$.data.a.b[1]', '{a: {b: [x, y]}}'))).toBe('y');
  });
  it('filters and maps with where/select, $ bound to the item', () => {
    expect(evalExpr(y("$.data.nodes.where($.role = 'compute').select($.name)", '{nodes: [{name: n1, role: compute}, {name: n2, role: ctl}, {name: n3, role: compute}]}'))).toEqual(['n1', 'n3']);
  });
  it('supports collection functions', () => {
    expect(evalExpr(y('$.data.m.values().flatten().distinct()', '{m: {a: [1, 2], b: [2, 3]}}'))).toEqual([1, 2, 3]);
    expect(evalExpr(y('$.data.l.len() + 1', '{l: [a, b]}'))).toBe(3);
    expect(evalExpr(y("$.data.l.join(',')", '{l: [a, b]}'))).toBe('a,b');
    expect(evalExpr(y("dict($.data.l.select([$, $.toUpper()]))", '{l: [a]}'))).toEqual({ a: 'A' });
    expect(evalExpr(y('$.data.x in $.data.l and not $.data.f', '{x: a, l: [a], f: false}'))).toBe(true);
    expect(evalExpr(y('coalesce($.data.missing, $.data.d)', '{d: 7}'))).toBe(7);
  });
  it('reports syntax errors and unsupported functions at validation with the position', () => {
    expect(exprErrors(y('$.data.(', '{}'))[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:34: yaql: expected a name after "."/);
    expect(exprErrors(y('$.data.groupBy($)', '{}'))[0]).toMatch(/yaql: unsupported yaql function\(s\) groupBy\(\)/);
  });
  it('binds variables with let/with and ->, seen inside predicates; positional ones as $1, $2', () => {
    expect(evalExpr(y('let(1, 2, a => 3, b => 4) -> $1 + $a + $2 + $b', '{}'))).toBe(10);
    expect(evalExpr(y("let(role => $.data.role) -> $.data.nodes.where($.role = $role).select($.name)", '{role: compute, nodes: [{name: n1, role: compute}, {name: n2, role: ctl}]}'))).toEqual(['n1']);
    // Nested: the right side of -> sees the outer bindings; an inner one shadows.
    expect(evalExpr(y('let(a => 1, b => 2) -> let(b => $a + 10) -> [$a, $b]', '{}'))).toEqual([1, 11]);
    expect(evalExpr(y("with($.data.x, 'y') -> $1 + $2", '{x: x}'))).toBe('xy');
    // $data unbound is still Heat's $.data; a let may bind it.
    expect(evalExpr(y('$data.a', '{a: 7}'))).toBe(7);
    expect(evalExpr(y('let(data => 5) -> $data', '{a: 7}'))).toBe(5);
    // -> binds loosest: the whole `or` is its right side.
    expect(evalExpr(y('let(t => true) -> $t and false or $t', '{}'))).toBe(true);
  });
  it('refuses at validation variables nobody binds, and let/with anywhere but before ->', () => {
    expect(exprErrors(y('$x + 1', '{}'))[0]).toMatch(/yaql: unknown variable \$x \(bind it with let\(x => \.\.\.\) -> \.\.\.\)/);
    expect(exprErrors(y('let(a => 1) -> $b', '{}'))[0]).toMatch(/unknown variable \$b/);
    expect(exprErrors(y('$.data.where(let(a => 1) -> $a = 1).select($a)', '{}'))[0]).toMatch(/unknown variable \$a/); // out of its scope
    expect(exprErrors(y('let(a => 1)', '{}'))[0]).toMatch(/let\(\) only binds variables for the expression after it/);
    expect(exprErrors(y('$.data -> $', '{}'))[0]).toMatch(/the left side of -> must be let\(\.\.\.\) or with\(\.\.\.\)/);
    expect(exprErrors(y('with(a => 1) -> $a', '{}'))[0]).toMatch(/with\(\) takes positional values only/);
    expect(exprErrors(y('len(a => 1)', '{}'))[0]).toMatch(/len\(\) takes no "name => value" arguments/);
    expect(exprErrors(y('let(a => 1) -> $a', '{}'))).toEqual([]);
  });
  it('fails at run time on bad data', () => {
    expect(evalError(y('$.data.a + 1', '{a: x}'))).toMatch(/yaql: cannot add/);
  });
});
