import { describe, expect, it } from 'vitest';
import { generate } from '../../../../undercloud/orchestration/resources/random-string.js';
import { substituteInputs } from '../../../../undercloud/orchestration/resources/software-deployment.js';
import { resourcePlugins, attributeNames } from '../../../../undercloud/orchestration/resources/index.js';
import { isUpdateAllowed, validatorFor } from '../../../../undercloud/orchestration/resources/common.js';

describe('resource plugins', () => {
  it('registers every type of the issue', () => {
    for (const t of ['OS::Heat::Value', 'OS::Heat::None', 'OS::Heat::RandomString', 'OS::Heat::ResourceGroup', 'OS::Heat::ResourceChain', 'OS::Heat::Stack',
      'OS::Heat::SoftwareConfig', 'OS::Heat::StructuredConfig', 'OS::Heat::SoftwareDeployment', 'OS::Heat::StructuredDeployment',
      'OS::Heat::SoftwareDeploymentGroup', 'OS::Heat::StructuredDeploymentGroup', 'OS::Heat::WaitConditionHandle', 'OS::Heat::WaitCondition',
      'OS::Heat::MultipartMime', 'OS::Heat::CloudConfig', 'OS::Heat::DeployedServer', 'OS::TripleO::Server']) {
      expect(resourcePlugins.has(t), t).toBe(true);
    }
  });

  it('every property schema compiles with ajv', () => {
    for (const p of resourcePlugins.values()) expect(() => validatorFor(p.properties), p.type).not.toThrow();
  });

  it('validates properties and fills defaults', () => {
    const v = validatorFor(resourcePlugins.get('OS::Heat::RandomString')!.properties);
    const props: Record<string, unknown> = {};
    expect(v(props)).toBe(true);
    expect(props.length).toBe(32);
    expect(v({ length: 'x' })).toBe(false);
    expect(v({ bogus: 1 })).toBe(false);
  });

  it('updateAllowed comes from the schema', () => {
    const group = resourcePlugins.get('OS::Heat::ResourceGroup')!.properties;
    expect(isUpdateAllowed(group, 'count')).toBe(true);
    const server = resourcePlugins.get('OS::TripleO::Server')!.properties;
    expect(isUpdateAllowed(server, 'profile')).toBe(false);
    expect(isUpdateAllowed(server, 'metadata')).toBe(true);
    expect(isUpdateAllowed(resourcePlugins.get('OS::Heat::None')!.properties, 'anything')).toBe(true);
  });

  it('RandomString honours length and character classes', () => {
    const s = generate({ length: 20, character_classes: [{ class: 'digits', min: 5 }, { class: 'uppercase', min: 2 }] });
    expect(s).toHaveLength(20);
    expect(s.replace(/[^0-9]/g, '').length).toBeGreaterThanOrEqual(5);
    expect(s.replace(/[^A-Z]/g, '').length).toBeGreaterThanOrEqual(2);
    expect(() => generate({ length: 3, character_classes: [{ class: 'digits', min: 5 }] })).toThrow(/length 3/);
  });

  it('StructuredDeployment substitutes get_input', () => {
    expect(substituteInputs({ a: { get_input: 'x' }, b: [{ get_input: 'y' }, 'z'], c: { get_input: 'missing' } }, { x: 1, y: 'two' })).toEqual({ a: 1, b: ['two', 'z'], c: null });
  });

  it('exposes static attribute names only where they are fixed', () => {
    expect(attributeNames('OS::Heat::Value')).toEqual(['value']);
    expect(attributeNames('OS::Heat::ResourceGroup')).toBeUndefined();
    expect(attributeNames('OS::Heat::SoftwareDeployment')).toBeUndefined();
  });
});
