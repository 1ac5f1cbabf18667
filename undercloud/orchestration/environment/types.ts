/** Environments (Heat's environment.py): one parsed file, and the result of applying several in order. */
import type { Json, SourcePos } from '../template/types.js';

export type MergeStrategy = 'overwrite' | 'merge' | 'deep_merge';

export interface EnvValue {
  value: Json;
  /** Position of the key in its environment file (where errors about this value point). */
  pos: SourcePos;
}

/** A registry mapping: to a type (alias), to a template file (a bundle key), or removed (null). */
export interface RegistryTarget {
  kind: 'type' | 'file' | 'remove';
  target: string;
  pos: SourcePos;
}

/** Heat's breakpoint hooks, in the order a resource meets them. */
export const HOOK_TYPES = ['pre-create', 'pre-update', 'pre-delete', 'post-create', 'post-update', 'post-delete'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/**
 * `resource_registry: resources: NAME: hooks: [...]`, possibly nested (`resources: Group: '*': Server: hooks:`):
 * one fnmatch pattern per level of the resource's path from the root stack (a member of a group in the root
 * stack has the path [group, member]).
 */
export interface HookRule {
  path: string[];
  hooks: HookType[];
  pos: SourcePos;
}

export interface EnvironmentFile {
  file: string;
  parameters: Map<string, EnvValue>;
  parameterDefaults: Map<string, EnvValue>;
  registry: Map<string, RegistryTarget>;
  /** resource_registry.resources: resource name -> (type -> target) and hooks. */
  resources: Map<string, { registry: Map<string, RegistryTarget>; hooks: string[] }>;
  /** Every hooks entry, top-level and nested. */
  hooks: HookRule[];
  strategies: Map<string, MergeStrategy>;
  defaultStrategy: MergeStrategy;
  encryptedParamNames: string[];
}

export interface MergedEnvironment {
  parameters: Map<string, EnvValue>;
  parameterDefaults: Map<string, EnvValue>;
  registry: Map<string, RegistryTarget>;
  resources: Map<string, { registry: Map<string, RegistryTarget>; hooks: string[] }>;
  /** Breakpoints; a later file's entry for the same path replaces an earlier one. */
  hooks: HookRule[];
  encryptedParamNames: string[];
}

export function emptyEnvironment(): MergedEnvironment {
  return { parameters: new Map(), parameterDefaults: new Map(), registry: new Map(), resources: new Map(), hooks: [], encryptedParamNames: [] };
}
