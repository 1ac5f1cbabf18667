/**
 * The template side's public API (what graph/, engine/, resources/ and the CLI use).
 *
 *   const bundle = await loadBundle('templates/', { environments: ['env.yaml'], rolesData: 'roles_data.yaml' });
 *   const { definition, parameterValues, warnings } = parseStack(bundle, { isKnownType });
 *   const conditions = evaluateConditions(definition, parameterValues);
 *   const value = resolveSnippet(definition.resources.web.properties, ctx); // undefined = not known yet
 */
export type * from './types.js';
export { parseStack, extendBundle } from './parse-stack.js';
export type { ParseStackOptions, ParsedStack } from './parse-stack.js';
export { resolveSnippet, resolveCondition, snippetDependencies, conditionDependencies, evaluateConditions, snippetToJson } from './resolve.js';
export { loadBundle } from './load-bundle.js';
export type { LoadBundleOptions } from './load-bundle.js';
export { parseVersion, HOT_VERSIONS } from './versions.js';
export { coerceParameter } from './parameters.js';
export { renderRoles } from '../roles/render-roles.js';
export type { RenderedRoles, RoleSpec } from '../roles/render-roles.js';
export { TemplateError, TemplateErrors, FunctionError } from '../errors.js';
export type { TemplateWarning, TemplateErrorCode } from '../errors.js';
