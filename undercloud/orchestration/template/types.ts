/**
 * The contract between the template side of the engine (template/, functions/, environment/, roles/:
 * files in, a validated StackDefinition out) and the execution side (graph/, engine/, resources/: a
 * StackDefinition in, resources converged). Parse once, then walk (Heat's template.parse): property values
 * are Snippet trees in which every intrinsic function call is already a FunctionCall node.
 */

/** Where a template node came from. Every error that cites a template node prints `file:line:col`. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A parsed template value: plain data, or a function call, possibly nested in lists and maps. */
export type Snippet = Literal | ListSnippet | MapSnippet | FunctionCall;

export interface Literal {
  kind: 'literal';
  value: null | boolean | number | string;
  pos: SourcePos;
}

export interface ListSnippet {
  kind: 'list';
  items: Snippet[];
  pos: SourcePos;
}

export interface MapSnippet {
  kind: 'map';
  entries: { key: string; keyPos: SourcePos; value: Snippet }[];
  pos: SourcePos;
}

export interface FunctionCall {
  kind: 'call';
  /** The function's name as written (get_param, list_join, ...). */
  fn: string;
  args: Snippet;
  pos: SourcePos;
  /** Heat-style path to this node, e.g. ['resources', 'server', 'properties', 'name']. */
  path: string[];
}

/**
 * What resolving a snippet needs from the engine. The template side calls these; the engine implements
 * them (for a stack being created, get_attr of a resource not yet created is unknown: `undefined`).
 */
export interface ResolveContext {
  getParam(name: string): Json | undefined;
  /** The reference id (physical id) of a resource in this stack. */
  getResourceRef(name: string): string | undefined;
  /** An attribute of a resource; `attr` undefined = all attributes (2015-10-15+). Path indexes into it. */
  getAttr(name: string, attr: string | undefined, path: Json[]): Json | undefined;
  /** Evaluates a named condition of the template. */
  condition(name: string): boolean;
  /** The parent resource's section, inside a provider template (resource_facade). */
  resourceFacade(section: 'metadata' | 'deletion_policy' | 'update_policy'): Json | undefined;
  stackName: string;
  stackId: string;
  projectId: string;
}

export type ParameterType = 'string' | 'number' | 'comma_delimited_list' | 'json' | 'boolean';

export interface ParameterConstraint {
  kind: 'length' | 'range' | 'modulo' | 'allowed_values' | 'allowed_pattern' | 'custom_constraint';
  spec: Json;
  description?: string;
  pos: SourcePos;
}

export interface ParameterDef {
  name: string;
  type: ParameterType;
  label?: string;
  description?: string;
  default?: Json;
  hidden: boolean;
  immutable: boolean;
  tags: string[];
  constraints: ParameterConstraint[];
  pos: SourcePos;
}

export interface ResourceDef {
  name: string;
  /** The type as written in the template. */
  type: string;
  /** The type after the environment's resource_registry (an alias target, a provider template path, or OS::Heat::None). */
  resolvedType: string;
  /** Set when the registry maps this type to a provider template (a nested stack): its file name in the bundle. */
  providerTemplate?: string;
  properties: Snippet;
  metadata?: Snippet;
  dependsOn: string[];
  condition?: Snippet;
  deletionPolicy: 'Delete' | 'Retain' | 'Snapshot';
  updatePolicy?: Snippet;
  externalId?: Snippet;
  pos: SourcePos;
}

export interface OutputDef {
  name: string;
  description?: string;
  value: Snippet;
  condition?: Snippet;
  pos: SourcePos;
}

/** A template after parsing and validation, with its environment applied. */
export interface StackDefinition {
  file: string;
  version: string;
  description?: string;
  parameterGroups: Json[];
  parameters: Record<string, ParameterDef>;
  resources: Record<string, ResourceDef>;
  outputs: Record<string, OutputDef>;
  conditions: Record<string, Snippet>;
}

/** What a client uploads: the root template, every file get_file or the registry refers to, environments in order. */
export interface TemplateBundle {
  rootTemplate: string;
  /** path (relative to the template dir) -> content. */
  files: Record<string, string>;
  /** Environment file names (keys of files), in the order they were given with -e. */
  environments: string[];
  /** roles_data.yaml name in files, if any. */
  rolesData?: string;
  /** network_data.yaml name in files, if any (-n): the role members' networks and the j2 templates' `networks`. */
  networksData?: string;
  /**
   * Absolute path of the template dir on the client (set by loadBundle). Lets absolute references
   * (`/usr/share/.../x.yaml`, `file:///...`) and environment files kept outside the tree (stored under
   * their absolute path) resolve to keys of `files`.
   */
  rootDir?: string;
}
