import { describe, expect, it } from 'vitest';
import { parseStack } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, errorsOf } from '../helpers.js';

const ROOT = [
  'heat_template_version: wallaby',
  'parameters:',
  '  Map: {type: json, default: {}}',
  '  List: {type: comma_delimited_list, default: []}',
  '  Name: {type: string, default: x}',
  '  Flag: {type: boolean, default: false}',
  'resources: {}',
].join('\n');

describe('environments applied in order', () => {
  it('later files overwrite by default; parameters beat parameter_defaults', () => {
    const files = {
      't.yaml': ROOT,
      'a.yaml': 'parameter_defaults:\n  Name: from-a\n  Map: {a: 1}\n',
      'b.yaml': 'parameter_defaults:\n  Name: from-b\n  Map: {b: 2}\n',
      'c.yaml': 'parameters:\n  Name: from-c-parameters\n',
    };
    expect(parseStack(bundleOf(files, 't.yaml', ['a.yaml', 'b.yaml'])).parameterValues['Map']).toEqual({ b: 2 });
    expect(parseStack(bundleOf(files, 't.yaml', ['c.yaml', 'a.yaml', 'b.yaml'])).parameterValues['Name']).toBe('from-c-parameters');
  });
  it("applies each file's own merge strategies, per parameter and by default", () => {
    const files = {
      't.yaml': ROOT,
      'a.yaml': 'parameter_defaults:\n  Map: {a: {x: 1}}\n  List: [a]\n',
      'b.yaml': 'parameter_merge_strategies:\n  Map: deep_merge\n  default: merge\nparameter_defaults:\n  Map: {a: {y: 2}}\n  List: [b]\n',
    };
    const v = parseStack(bundleOf(files, 't.yaml', ['a.yaml', 'b.yaml'])).parameterValues;
    expect(v['Map']).toEqual({ a: { x: 1, y: 2 } });
    expect(v['List']).toEqual(['a', 'b']);
  });
  it('reports an invalid strategy and a boolean merge at the position', () => {
    const files = {
      't.yaml': ROOT,
      'a.yaml': 'parameter_defaults:\n  Flag: true\n',
      'b.yaml': 'parameter_merge_strategies:\n  Flag: merge\n  Name: squash\nparameter_defaults:\n  Flag: false\n',
    };
    expect(errorsOf(files, {}, 't.yaml', ['a.yaml', 'b.yaml'])).toEqual(['MERGE_STRATEGY b.yaml:3:9', 'MERGE_STRATEGY b.yaml:5:3']);
  });
  it('rejects unknown environment sections', () => {
    expect(errorsOf({ 't.yaml': ROOT, 'a.yaml': 'parameter_default:\n  Name: y\n' }, {}, 't.yaml', ['a.yaml'])).toEqual(['ENVIRONMENT_INVALID a.yaml:1:1']);
  });
});
