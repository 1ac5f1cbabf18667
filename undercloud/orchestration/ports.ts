/**
 * The only doors from orchestration to the rest of the undercloud. Resource plugins reach bare metal and
 * node agents through these interfaces (given in their context), never by importing baremetal/ or agents/.
 * Each port splits "start" from "is it done" (Heat's handle_create/check_create_complete), so the engine
 * can save the handle before it polls and a restarted daemon goes back to polling instead of starting over.
 */
import type { Json } from './template/types.js';

export interface ServerRequest {
  /** Stable name of the server resource (stack/resource path), used to make allocation idempotent. */
  key: string;
  hostname: string;
  /** Node profile to match (capabilities profile:X), e.g. 'control', 'compute'. */
  profile?: string;
  /** Further capabilities the node must have (key -> value). */
  capabilities: Record<string, string>;
  image?: string;
  /** Written to the node (config drive / metadata): what the node agent needs to dial back. */
  metadata: Record<string, Json>;
}

/** Servers a stack action is about to allocate that ask for the same thing (pre-flight: `ServerPort.shortfalls`). */
export interface ServerNeed {
  profile?: string | undefined;
  capabilities: Record<string, string>;
  /** How many new servers ask for it. */
  count: number;
  /** Where they are in the stack, e.g. `Compute/*` + `/Server` (a group's members as one `*`). */
  paths: string[];
}

export type ServerPhase = 'deploying' | 'active' | 'error';

export interface ServerStatus {
  phase: ServerPhase;
  /** Set when `error`: why the deploy failed. */
  error?: string;
  /** Set when `active`. */
  nodeId?: string;
  /** Network name -> addresses ('ctlplane' -> ['192.0.2.10']). */
  networks?: Record<string, string[]>;
}

/** Bare-metal provisioning as the server resource sees it. Implemented by the bare-metal service, and by a fake. */
export interface ServerPort {
  readonly name: string;
  /** Allocates an available node that matches and starts deploying it. Idempotent for the same `key`. Returns the server id. */
  allocate(req: ServerRequest, signal: AbortSignal): Promise<string>;
  status(serverId: string, signal: AbortSignal): Promise<ServerStatus>;
  /** Undeploys the node and returns it to the pool; a server that does not exist is already released. */
  release(serverId: string, signal: AbortSignal): Promise<void>;
  /**
   * Names the system installed on the server: it changes whenever the server is imaged again (`overcloud
   * node rebuild`). A deployment records the instance it was applied to, and a stack update applies it
   * again when the server's instance differs (engine/reapply.ts). Undefined for a server the port does not
   * know (a pre-provisioned server, an id from elsewhere) or one never imaged: nothing is re-applied.
   */
  instance?(serverId: string, signal: AbortSignal): Promise<string | undefined>;
  /** The server id of a bare-metal node named by name or id (`overcloud node delete NODE`); undefined when unknown. */
  lookup?(nodeNameOrId: string): string | undefined;
  /**
   * The hostname a bare-metal node named by name or id was deployed as: a pre-provisioned server
   * (OS::Heat::DeployedServer) is known to the stack by that name only. Undefined when unknown.
   */
  deployedHostname?(nodeNameOrId: string): string | undefined;
  /**
   * Pre-flight (TripleO checks node counts before it creates the stack, so the answer is not a "No valid
   * host found" halfway through): what the pool cannot serve of these needs, together, one sentence per
   * need; empty when it can. Advisory: allocation stays the authority (another stack may take a node in
   * between). Absent (or always empty) = no limit to check; the fake has one only when given a `pool`.
   */
  shortfalls?(needs: ServerNeed[]): string[];
}

export interface DeploymentRequest {
  /** Unique per deployment action; the agent hub persists steps under it, so dispatching twice is harmless. */
  id: string;
  serverId: string;
  /** CREATE, UPDATE or DELETE. */
  action: string;
  /** The software config: group (script, ansible, puppet, Heat::Ungrouped...), config body, options, declared outputs. */
  config: { group: string; config: Json; options: Record<string, Json>; outputs: string[] };
  /** input_values plus the derived deploy_* inputs. */
  inputs: Record<string, Json>;
}

export interface DeploymentResult {
  statusCode: number;
  stdout: string;
  stderr: string;
  /** Declared outputs the config produced. */
  outputs: Record<string, Json>;
}

/** Node agents as deployments see them. Implemented by the agent hub, and by a fake. */
export interface AgentPort {
  readonly name: string;
  dispatch(req: DeploymentRequest, signal: AbortSignal): Promise<void>;
  /** The result of a dispatched deployment; undefined while it runs. */
  result(id: string, signal: AbortSignal): Promise<DeploymentResult | undefined>;
}

/** One network a server's ports resource asks for (the network's name or name_lower). */
export interface NetworkPortRequest {
  network: string;
  subnet?: string;
  fixedIp?: string;
}

/** An address a server holds on one of the isolated networks, with what its interface needs. */
export interface ServerAddress {
  network: string;
  nameLower: string;
  subnet: string;
  ipAddress: string;
  cidr: string;
  prefixLength: number;
  gateway?: string;
  vlan?: number;
  mtu: number;
  dnsDomain?: string;
}

/**
 * The undercloud's IPAM as a server's ports resource sees it. Implemented by the networks service (real
 * SQLite; tests use it as it is). Calls are transactions that either hand out every address or none.
 */
export interface NetworkPort {
  /** Makes `owner` hold exactly these addresses (keeping the ones it has), in request order. Idempotent. */
  ensurePorts(owner: string, hostname: string, requests: NetworkPortRequest[], signal: AbortSignal): Promise<ServerAddress[]>;
  /** Releases every address `owner` holds. */
  release(owner: string, signal: AbortSignal): Promise<void>;
}
