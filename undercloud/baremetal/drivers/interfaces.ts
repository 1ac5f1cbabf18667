/**
 * One interface per concern (Ironic's drivers/base.py). Every interface has a quick synchronous
 * `validate(node)` the API may call inline (it checks driver_info, never talks to the BMC), and async
 * operations that take the task and an AbortSignal. Implementations are one file each; hardware types
 * (hardware-types.ts) only list them.
 */
import type { Logger } from '../../daemon/logging.js';
import type { BootDevice, Node, PowerState } from '../node.js';
import type { AgentServices } from '../agent/agent-services.js';

/** What a driver sees of the conductor's task: the locked node and a logger with the node's fields. */
export interface DriverTask {
  readonly node: Node;
  readonly log: Logger;
  /** The agent hub, images and NBD writer, for the agent-based interfaces; absent in unit tests of others. */
  readonly agent?: AgentServices | undefined;
  /** Saves non-state fields of the node (properties, instance info, extra). */
  update?(patch: { properties?: Node['properties']; instanceInfo?: Record<string, unknown>; extra?: Record<string, unknown> }): Node;
}

interface Base {
  readonly name: string;
  /** Throws DriverInfoError (naming the field) when the node cannot use this implementation. */
  validate(node: Node): void;
}

export interface PowerInterface extends Base {
  /** The current state; throws BmcError when the BMC cannot tell (transient = worth retrying). */
  getState(task: DriverTask, signal: AbortSignal): Promise<PowerState>;
  /** Asks for the state; the conductor checks the state first and polls until it is reached. */
  setState(task: DriverTask, target: PowerState, signal: AbortSignal): Promise<void>;
  /** A hard reset of a node that is on. */
  reboot(task: DriverTask, signal: AbortSignal): Promise<void>;
}

export interface ManagementInterface extends Base {
  getBootDevice(task: DriverTask, signal: AbortSignal): Promise<{ device: BootDevice | undefined; persistent: boolean | undefined }>;
  setBootDevice(task: DriverTask, device: BootDevice, persistent: boolean, signal: AbortSignal): Promise<void>;
}

export interface BootInterface extends Base {
  /** Makes the next boot load the deploy ramdisk (iPXE script, boot device pxe). */
  prepareRamdisk(task: DriverTask, signal: AbortSignal): Promise<void>;
  cleanUpRamdisk(task: DriverTask, signal: AbortSignal): Promise<void>;
  /** Makes the next boot start the installed system (boot device disk). */
  prepareInstance(task: DriverTask, signal: AbortSignal): Promise<void>;
}

export type EraseMode = 'metadata' | 'full';

export interface DeployInterface extends Base {
  /** Works through the ramdisk agent: the service boots the ramdisk and waits for the agent first. */
  readonly ramdiskAgent?: boolean;
  /** Writes the image and makes the node bootable; resolves when the node is ready to go active. */
  deploy(task: DriverTask, signal: AbortSignal): Promise<void>;
  tearDown(task: DriverTask, signal: AbortSignal): Promise<void>;
  /** Clean steps (metadata wipe by default, full erase on request). */
  clean(task: DriverTask, mode: EraseMode, signal: AbortSignal): Promise<void>;
}

export interface InspectResult {
  properties: { cpus?: number; memoryMb?: number; localGb?: number; cpuArch?: string };
  macs: string[];
}

export interface InspectInterface extends Base {
  readonly ramdiskAgent?: boolean;
  inspect(task: DriverTask, signal: AbortSignal): Promise<InspectResult>;
}

/** A node's composed driver set. */
export interface DriverSet {
  readonly hardwareType: string;
  readonly power: PowerInterface;
  readonly management: ManagementInterface;
  readonly boot: BootInterface;
  readonly deploy: DeployInterface;
  readonly inspect: InspectInterface;
}

export type InterfaceKind = 'power' | 'management' | 'boot' | 'deploy' | 'inspect';
export const INTERFACE_KINDS: readonly InterfaceKind[] = ['power', 'management', 'boot', 'deploy', 'inspect'];

export function requireInfo(node: Node, field: string, make: (field: string, detail: string) => Error): string {
  const v = node.driverInfo[field];
  if (v === undefined || v === '') throw make(field, 'is required');
  return v;
}
