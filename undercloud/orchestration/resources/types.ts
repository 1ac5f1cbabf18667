/**
 * The resource plugin interface (Heat's Resource, with the hooks typed instead of looked up by name). A
 * plugin declares its properties (a JSON Schema; `updateAllowed: true` on a property means a change to it is
 * applied in place, any other change replaces the resource) and its attributes, then implements the hooks it
 * needs. `create` starts the work and returns a handle; the engine saves it before it polls
 * `checkCreateComplete`, so a restarted daemon polls again and never repeats `create`.
 */
import type { Json, ResourceDef } from '../template/types.js';
import type { AgentPort, NetworkPort, ServerPort } from '../ports.js';
import type { Logger } from '../../daemon/logging.js';

export type Props = Record<string, Json>;

/** What a resource looks like once it has been acted on: what the engine stores. */
export interface ResourceSnapshot {
  name: string;
  type: string;
  refId: string | undefined;
  handle: Json | undefined;
  attributes: Record<string, Json>;
  /** The resolved properties last applied. */
  properties: Props | undefined;
}

/** What a hook returns: all fields optional, merged into the snapshot. */
export interface Outcome {
  handle?: Json;
  refId?: string;
  attributes?: Record<string, Json>;
}

export type CheckResult = { done: false } | ({ done: true } & Outcome);

/** A stored software config (SoftwareConfig, StructuredConfig, MultipartMime, CloudConfig). */
export interface StoredConfig {
  group: string;
  config: Json;
  options: Record<string, Json>;
  inputs: Json[];
  outputs: Json[];
}

export interface ConfigStore {
  put(stackId: string, config: StoredConfig): string;
  get(id: string): StoredConfig | undefined;
  remove(id: string): void;
}

/** Signals sent to a WaitConditionHandle. */
export interface SignalStore {
  signals(handleId: string): Json[];
}

export interface ResourceContext {
  readonly stackId: string;
  readonly stackName: string;
  /** The root stack (the one the operator named). */
  readonly rootStackId: string;
  readonly resourceName: string;
  /** Aborted on cancel, timeout or shutdown. */
  readonly signal: AbortSignal;
  readonly servers: ServerPort;
  readonly agent: AgentPort;
  /** The IPAM of the isolated networks; absent where no networks service runs (ports resources then fail saying so). */
  readonly networks?: NetworkPort;
  readonly configs: ConfigStore;
  readonly waitSignals: SignalStore;
  readonly log: Logger;
  /** The action in progress (for the deploy_action input). */
  readonly action: 'CREATE' | 'UPDATE' | 'DELETE';
}

export interface AttributeDef {
  description: string;
  /** JSON Schema of the value. */
  schema?: Record<string, unknown>;
}

/** A child stack's template: a file of the bundle (plus files the resource generates) and its parameters. */
export interface NestedTemplate {
  templateFile: string;
  /** Generated files to add to the bundle (ResourceGroup's member template, OS::Heat::Stack's inline template). */
  files: Record<string, string>;
  parameters: Record<string, Json>;
}

/** A stack a nested resource wants. */
export interface NestedSpec extends NestedTemplate {
  /** Saved with the resource: what the next update needs (a group's removed names). */
  handle?: Json;
}

export interface NestedBuildContext {
  stackName: string;
  resourceName: string;
  resource: ResourceDef;
  /** The resolved `update_policy`, with the defaults of the type's schema, when the type declares one. */
  updatePolicy?: Record<string, Json>;
  /** The child stack's current template; undefined while the child does not exist. */
  current?: NestedTemplate;
}

/**
 * Batches of a nested resource's action (ResourceGroup's `batch_create` and `rolling_update`): the engine
 * converges the child to `build(0)`, pauses, `build(1)`, ... and finally to the spec `build()` returned.
 * Each batch is built from the child's template as the previous batch left it, as Heat assembles each one.
 */
export interface NestedBatches {
  readonly count: number;
  readonly pauseSeconds: number;
  /** For status reasons: "rolling update", "batch create". */
  readonly label: string;
  build(index: number, current: NestedTemplate | undefined): NestedSpec;
}

/** What whole-tree validation should descend into; `allParametersUnknown` when the parameters are only known at create time. */
export interface NestedValidation extends NestedTemplate {
  allParametersUnknown?: boolean;
  /** How many children like this one the resource makes (a group's count; default 1); null when only known at create time. */
  copies?: number | null;
}

/** The child stack of a nested resource, after it converged. */
export interface NestedView {
  stackId: string;
  stackName: string;
  outputs: Record<string, Json>;
  /** Child resources in template order: name, reference id, every stored attribute. */
  resources: { name: string; refId: string | undefined; attributes: Record<string, Json> }[];
}

export interface NestedHooks<P extends Props = Props> {
  /** The child stack for these properties; `prev` is the stored snapshot on update. */
  build(props: P, prev: ResourceSnapshot | undefined, ctx: NestedBuildContext): NestedSpec;
  /** Batches to converge before the final spec (update_policy); undefined = one step. */
  batches?(props: P, prev: ResourceSnapshot | undefined, ctx: NestedBuildContext): NestedBatches | undefined;
  /**
   * The child template to validate before anything is created. `props` are resolved where they are known;
   * values only known at create time are `UNKNOWN` (resources/common.ts). Undefined = nothing to descend into.
   */
  validation?(props: Props, ctx: Omit<NestedBuildContext, 'current' | 'updatePolicy'>): NestedValidation | undefined;
  /** Reference id and attributes of the resource, from its converged child. */
  collect(child: NestedView, spec: NestedSpec): Outcome;
}

/**
 * How a resource is replaced. Heat's convergence creates the replacement first and deletes the old one when
 * the traversal is done ('create-first', the default); resources that cannot coexist with their replacement
 * (a server bound to the same node) are deleted first ('delete-first').
 */
export type ReplaceOrder = 'create-first' | 'delete-first';

export interface ResourcePlugin<P extends Props = Props> {
  readonly type: string;
  readonly description: string;
  /** JSON Schema (type object) of the properties; `updateAllowed: true` per property. */
  readonly properties: Record<string, unknown>;
  readonly attributes: Record<string, AttributeDef>;
  /** Default 'create-first'. */
  readonly replaceOrder?: ReplaceOrder;
  /** JSON Schema of the `update_policy` section the type understands (ResourceGroup's batch_create, rolling_update). */
  readonly updatePolicy?: Record<string, unknown>;
  create?(ctx: ResourceContext, props: P): Promise<Outcome> | Outcome;
  checkCreateComplete?(ctx: ResourceContext, snap: ResourceSnapshot): Promise<CheckResult> | CheckResult;
  /** Applies changes of updateAllowed properties in place. Without it, such changes are just recorded. */
  update?(ctx: ResourceContext, props: P, prev: ResourceSnapshot): Promise<Outcome> | Outcome;
  checkUpdateComplete?(ctx: ResourceContext, snap: ResourceSnapshot): Promise<CheckResult> | CheckResult;
  delete?(ctx: ResourceContext, snap: ResourceSnapshot): Promise<void> | void;
  /** Computes an attribute not stored verbatim (a group's resource.N.attr) and applies `path`; undefined = unknown. */
  getAttribute?(snap: ResourceSnapshot, name: string, path: Json[]): Json | undefined;
  /** Set for resources that are stacks of their own (provider templates, OS::Heat::Stack, groups, chains). */
  readonly nested?: NestedHooks<P>;
}

/** A plugin in its erased form, as the registry holds it. */
export type AnyPlugin = ResourcePlugin<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
