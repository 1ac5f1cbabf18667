/** Environments: parse, merge in order, look up types in the resource registry. */
export { parseEnvironment } from './parse-environment.js';
export type { ErrorSink } from './parse-environment.js';
export { mergeEnvironments } from './merge-environments.js';
export { mergeValue } from './merge-strategies.js';
export { resolveType } from './registry.js';
export type { TypeResolution } from './registry.js';
export type { EnvironmentFile, MergedEnvironment, MergeStrategy, EnvValue, RegistryTarget, HookRule, HookType } from './types.js';
export { emptyEnvironment, HOOK_TYPES } from './types.js';
