/**
 * OS::Heat::Stack (a nested stack from an inline template) and template resources (a type the environment's
 * resource_registry maps to a template file: a provider template). Both converge a child stack; their
 * attributes are the child's outputs, and a child output `OS::stack_id` overrides the reference id as in Heat.
 */
import type { NestedSpec, NestedView, Outcome, ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { asRecord, dig, UNKNOWN } from './common.js';
import { GENERATED_DIR } from '../template/paths.js';

interface StackProps { [k: string]: Json; template: string; parameters: Record<string, Json> }

function outputsOutcome(child: NestedView): Outcome {
  const ref = child.outputs['OS::stack_id'];
  return { refId: typeof ref === 'string' ? ref : child.stackId, attributes: { ...child.outputs } };
}

export const stackResource: ResourcePlugin<StackProps> = {
  type: 'OS::Heat::Stack',
  description: 'A nested stack from an inline template.',
  properties: {
    type: 'object',
    additionalProperties: false,
    required: ['template'],
    properties: {
      template: { type: 'string', updateAllowed: true },
      parameters: { type: 'object', default: {}, updateAllowed: true },
      timeout: { type: 'integer', minimum: 1, updateAllowed: true },
      context: { type: 'object' },
    },
  },
  attributes: {
    outputs: { description: 'Output name -> value.', schema: { type: 'object' } },
    stack_name: { description: 'The child stack name.', schema: { type: 'string' } },
  },
  nested: {
    build(p, _prev, ctx): NestedSpec {
      const file = `${GENERATED_DIR}${ctx.stackName}/${ctx.resourceName}.stack.yaml`;
      return { templateFile: file, files: { [file]: p.template }, parameters: asRecord(p.parameters) };
    },
    validation(p, ctx) {
      // A literal (or get_file) template is checked before anything is created; one only known later is not.
      if (typeof p.template !== 'string' || p.template === UNKNOWN) return undefined;
      const file = `${GENERATED_DIR}${ctx.stackName}/${ctx.resourceName}.stack.yaml`;
      const params = p.parameters ?? {};
      const known = params !== UNKNOWN && typeof params === 'object' && !Array.isArray(params);
      return { templateFile: file, files: { [file]: p.template }, parameters: known ? params : {}, ...(known ? {} : { allParametersUnknown: true }) };
    },
    collect: (child) => ({ refId: child.stackId, attributes: { outputs: child.outputs, stack_name: child.stackName } }),
  },
  getAttribute: (snap, name, path) => (name in snap.attributes ? dig(snap.attributes[name], path) : undefined),
};

/** The plugin of a type the registry maps to `templateFile`: its properties are the child's parameters. */
export function templateResourcePlugin(type: string): ResourcePlugin {
  return {
    type,
    description: 'A provider template (nested stack).',
    // Parameters are checked by the child template itself; every change is applied by updating the child.
    properties: { type: 'object', additionalProperties: { updateAllowed: true } },
    attributes: {},
    nested: {
      build(p, _prev, ctx): NestedSpec {
        return { templateFile: ctx.resource.providerTemplate!, files: {}, parameters: p };
      },
      validation(p, ctx) {
        return { templateFile: ctx.resource.providerTemplate!, files: {}, parameters: p };
      },
      collect: outputsOutcome,
    },
    getAttribute: (snap, name, path) => (name in snap.attributes ? dig(snap.attributes[name], path) : undefined),
  };
}
