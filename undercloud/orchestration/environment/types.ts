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

export interface EnvironmentFile {
  file: string;
  parameters: Map<string, EnvValue>;
  parameterDefaults: Map<string, EnvValue>;
  registry: Map<string, RegistryTarget>;
  /** resource_registry.resources: resource name -> (type -> target) and hooks. */
  resources: Map<string, { registry: Map<string, RegistryTarget>; hooks: string[] }>;
  strategies: Map<string, MergeStrategy>;
  defaultStrategy: MergeStrategy;
  encryptedParamNames: string[];
}

export interface MergedEnvironment {
  parameters: Map<string, EnvValue>;
  parameterDefaults: Map<string, EnvValue>;
  registry: Map<string, RegistryTarget>;
  resources: Map<string, { registry: Map<string, RegistryTarget>; hooks: string[] }>;
  encryptedParamNames: string[];
}

export function emptyEnvironment(): MergedEnvironment {
  return { parameters: new Map(), parameterDefaults: new Map(), registry: new Map(), resources: new Map(), encryptedParamNames: [] };
}
