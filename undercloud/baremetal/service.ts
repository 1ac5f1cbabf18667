/**
 * The bare-metal service's verbs (what the API calls): enroll from instackenv, list/show, manage,
 * introspect, provide, clean, delete, power. Each verb validates quickly, then hands long work to the
 * conductor, which holds the node's reservation and records every transition.
 */
import type { Logger } from '../daemon/logging.js';
import type { EventBus } from '../events/event-bus.js';
import type { Store } from '../store/store.js';
import type { NodePatch } from '../store/nodes.js';

import type { BaremetalConfig } from './config.js';
import type { Conductor } from './conductor/conductor.js';
import type { Task } from './conductor/task.js';
import { setPowerState, type PowerOptions } from './conductor/power.js';
import { validateDrivers } from './drivers/index.js';
import { AGENTS_NOT_RUNNING, NodeExistsError, NodeInMaintenanceError, NodeLockedError, NotAvailableError, NodeNotDeletableError } from './errors.js';
import { applyNodeUpdate, type NodeUpdate } from './node-update.js';
import { parseInstackenv } from './import/instackenv.js';
import { maskDriverInfo, type HistoryEntry, type Node, type Port, type PowerState, type PowerTarget } from './node.js';
import { DELETABLE_STATES, STATES, type ProvisionState } from './states.js';
import { redactValue } from '../daemon/logging.js';
import { InvalidError } from '../errors.js';
import type { EraseMode } from './drivers/interfaces.js';
import { waitForAgent } from './agent/agent-services.js';
import { localGbOf, rootDeviceHintFor, type InventoryDisk, type RootDeviceChoice } from './agent/root-device.js';
import { capacityShortfalls, nodeOfServer, pickNodes, provisionedInstances, provisionKey, type AllocationRequest, type CapacityNeed, type Pick } from './allocation.js';

/** What an operator's change of a node may touch. */
type NodeEdit = { [K in 'name' | 'properties' | 'driverInfo']?: NodePatch[K] };

/** States in which a node holds an installed (or half-installed) system: releasing it means undeploying it. */
const INSTANCE_STATES: readonly ProvisionState[] = ['active', 'deploy failed', 'error'];

export interface NodeView {
  node: Node;
  ports: Port[];
}

export interface ImportResult {
  nodes: Node[];
  validateOnly: boolean;
}

/** Listens for enrolled-port changes (pxe reloads dnsmasq's host list). */
export type PortsChanged = () => void;

export class BaremetalService {
  private portsChanged: PortsChanged = () => undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly log: Logger,
    readonly conductor: Conductor,
    private readonly cfg: BaremetalConfig & { enabledHardwareTypes: readonly string[]; automatedClean: boolean },
  ) {}

  onPortsChanged(fn: PortsChanged): void {
    this.portsChanged = fn;
  }

  private get nodes() {
    return this.conductor.nodes;
  }

  private get power(): PowerOptions {
    return { timeoutMs: this.cfg.powerStateChangeTimeoutMs, retryAttempts: this.cfg.bmcRetries, retryDelayMs: this.cfg.bmcRetryIntervalMs, pollMs: 1000 };
  }

  list(filter: { provisionState?: ProvisionState } = {}): Node[] {
    return this.nodes.list(filter).map(masked);
  }

  show(idOrName: string): NodeView & { history: HistoryEntry[] } {
    const n = this.conductor.getNode(idOrName);
    return { node: masked(n), ports: this.nodes.ports(n.id), history: this.nodes.history(n.id) };
  }

  /** Raw node (with secrets) for other domains in the daemon; never hand this to the API. */
  getNodeUnmasked(idOrName: string): Node {
    return this.conductor.getNode(idOrName);
  }

  /**
   * Enrolls every node of an instackenv document in one transaction (all or none). With validateOnly the
   * document is checked against the enrolled nodes too, and nothing changes.
   */
  importNodes(doc: unknown, validateOnly: boolean): ImportResult {
    const existing = this.nodes.list();
    const existingMacs = new Map(this.nodes.allPorts().map((p) => [p.address, existing.find((n) => n.id === p.nodeId)?.name ?? p.nodeId]));
    const parsed = parseInstackenv(doc, { enabledHardwareTypes: this.cfg.enabledHardwareTypes, existingNames: new Set(existing.map((n) => n.name)), existingMacs });
    for (const p of parsed) for (const [k, v] of Object.entries(p.driverInfo)) if (/password/i.test(k) && v) redactValue(v);
    if (validateOnly) {
      return { validateOnly, nodes: parsed.map((p) => masked({ ...placeholder(), name: p.name, driver: p.driver, interfaces: p.interfaces, driverInfo: p.driverInfo, properties: p.properties })) };
    }
    const created = this.store.tx(() =>
      parsed.map((p) => {
        const n = this.nodes.create(p);
        this.bus.publish({ kind: 'node.created', subjectType: 'node', subjectId: n.id, message: `node ${n.name} enrolled (${n.driver}, ${p.macs.join(', ')})`, data: { node: n.name, driver: n.driver, macs: p.macs } });
        return n;
      }),
    );
    this.log.info('nodes enrolled', { nodes: created.map((n) => n.name) });
    this.portsChanged();
    return { validateOnly, nodes: created.map(masked) };
  }

  /** enroll -> verifying -> manageable (checks the drivers and reads the power state), or back to manageable from available/failed states. */
  async manage(idOrName: string): Promise<{ node: Node; done: Promise<void> }> {
    const n = this.conductor.getNode(idOrName);
    if (n.provisionState !== 'enroll') {
      const node = await this.conductor.withNode(n.id, { purpose: 'manage', exclusive: true }, (task) => {
        task.process('manage');
        return task.node;
      });
      return { node: masked(node), done: Promise.resolve() };
    }
    const r = await this.conductor.begin(n.id, 'manage', 'manage', async (task, signal, step) => {
      step('validate drivers');
      validateDrivers(task.node);
      step('read power state');
      const state = await task.driver.power.getState(task, signal);
      task.update({ powerState: state });
      task.process('done');
    });
    return { node: masked(r.node), done: r.done };
  }

  /**
   * manageable -> inspecting -> manageable with the inventory saved in the node's properties. With the agent
   * inspect interface: boot the ramdisk, wait in "inspect wait" for its agent, read the inventory, power off.
   */
  async introspect(idOrName: string): Promise<{ node: Node; done: Promise<void> }> {
    const n = this.conductor.getNode(idOrName);
    const d = validateDrivers(n);
    this.requireAgent(n, d.inspect.ramdiskAgent, 'introspection (agent inventory)');
    const r = await this.conductor.begin(n.id, 'introspect', 'inspect', async (task, signal, step) => {
      await this.withTimeout(signal, this.cfg.inspectWaitTimeoutMs, 'inspect_wait_timeout', async (s) => {
        await this.ramdiskUp(task, s, step, d.inspect.ramdiskAgent === true);
        step('inspect');
        const result = await task.driver.inspect.inspect(task, s);
        step('save inventory');
        task.update({ properties: { ...task.node.properties, ...result.properties } });
        step('clean up ramdisk');
        await task.driver.boot.cleanUpRamdisk(task, s);
        if (d.inspect.ramdiskAgent) {
          step('power off');
          await setPowerState(task, 'power off', this.power, s);
        }
      });
      task.process('done', { message: 'introspection finished' });
    });
    return { node: masked(r.node), done: r.done };
  }

  /** manageable -> cleaning -> available (automated cleaning when enabled), then powered off. */
  async provide(idOrName: string): Promise<{ node: Node; done: Promise<void> }> {
    const n = this.conductor.getNode(idOrName);
    const d = validateDrivers(n);
    if (this.cfg.automatedClean) this.requireAgent(n, d.deploy.ramdiskAgent, 'automated cleaning (agent clean steps)');
    const r = await this.conductor.begin(n.id, 'provide', 'provide', async (task, signal, step) => {
      if (this.cfg.automatedClean) await this.runClean(task, 'metadata', signal, step);
      step('power off');
      await setPowerState(task, 'power off', this.power, signal);
      task.process('done', { message: this.cfg.automatedClean ? 'cleaned, now available' : 'available (automated cleaning is off)' });
    });
    return { node: masked(r.node), done: r.done };
  }

  /** Manual clean: manageable -> cleaning -> manageable. */
  async clean(idOrName: string, mode: EraseMode): Promise<{ node: Node; done: Promise<void> }> {
    const n = this.conductor.getNode(idOrName);
    if (n.maintenance) throw new NodeInMaintenanceError(n.name, 'manual cleaning', n.maintenanceReason);
    const d = validateDrivers(n);
    this.requireAgent(n, d.deploy.ramdiskAgent, 'cleaning (agent clean steps)');
    const r = await this.conductor.begin(n.id, 'clean', 'clean', async (task, signal, step) => {
      await this.runClean(task, mode, signal, step);
      step('power off');
      await setPowerState(task, 'power off', this.power, signal);
      task.process('manage', { message: `manual clean (${mode}) finished` });
    });
    return { node: masked(r.node), done: r.done };
  }

  /**
   * available -> deploying -> active (deploy) or active/deploy failed/error -> deploying -> active (rebuild:
   * re-image in place, keeping the node's identity; no cleaning). Holds one of max_concurrent_deploy slots
   * while it works. `instanceInfo` (image_source, hostname, ssh_keys) is saved on the node first. With the
   * direct deploy: boot the ramdisk, wait in "wait call-back" for its agent, write the image and the config
   * drive, boot from disk, and wait again until the installed system's node agent connects.
   */
  async deploy(idOrName: string, instanceInfo: Record<string, unknown>, mode: 'deploy' | 'rebuild' = 'deploy'): Promise<{ node: Node; done: Promise<void> }> {
    const n = this.conductor.getNode(idOrName);
    if (n.maintenance) throw new NodeInMaintenanceError(n.name, mode, n.maintenanceReason);
    const d = validateDrivers(n);
    const agentBased = d.deploy.ramdiskAgent === true;
    this.requireAgent(n, agentBased, mode);
    if (agentBased) {
      // A missing or wrong image is an error now, not after a ramdisk boot.
      const source = (instanceInfo.image_source ?? n.instanceInfo.image_source) as string | undefined;
      if (!source) throw new InvalidError('INVALID_ARGUMENT', `node ${n.name}: ${mode} needs an image (instance_info.image_source)`);
      this.conductor.agentServices!.resolveImage(source);
    }
    const r = await this.conductor.begin(n.id, mode, mode, async (task, signal, step) => {
      task.update({ instanceInfo: { ...task.node.instanceInfo, ...instanceInfo } });
      // The installed system is about to be overwritten: its node agent's certificate dies now, not when the
      // rebuilt system enrolls again (before the ramdisk's token is issued, which this would revoke too).
      if (mode === 'rebuild') this.revokeAgent(task.node, 'rebuilt');
      step('wait for a deploy slot');
      await this.conductor.withDeploySlot(signal, () =>
        this.withTimeout(signal, this.cfg.deployCallbackTimeoutMs, 'deploy_callback_timeout', async (s) => {
          await this.ramdiskUp(task, s, step, agentBased);
          step('write image');
          await task.driver.deploy.deploy(task, s);
          step('prepare instance boot');
          await task.driver.boot.cleanUpRamdisk(task, s);
          await task.driver.boot.prepareInstance(task, s);
          step('reboot into the instance');
          await setPowerState(task, 'rebooting', this.power, s);
          if (agentBased && task.agent) {
            task.process('wait', { message: 'image written; waiting for the node agent of the installed system' });
            step('wait for the node agent');
            await waitForAgent(task.agent, task.node, 'node', s);
            task.process('resume', { message: 'the node agent connected from the installed system' });
          }
        }),
      );
      // Names the installed system: the orchestration engine applies a stack's configs again to a server
      // whose deployed_at changed since they ran (a rebuild), through ServerPort.instance.
      // The address the installed system's agent connected from: its control-plane address, kept for when
      // the agent is away (a reboot) and someone asks (overcloud node provision's DeployedServerPortMap).
      const ip = agentBased ? this.agentAddress(task.node.id) : undefined;
      task.update({ instanceInfo: { ...task.node.instanceInfo, deployed_at: new Date().toISOString(), ...(ip ? { ctlplane_ip: ip } : {}) } });
      task.process('done', { message: mode === 'rebuild' ? 'rebuilt' : 'deployed' });
    });
    return { node: masked(r.node), done: r.done };
  }

  /**
   * Allocation for the orchestration engine's servers (as Ironic's allocation API + metalsmith): picks an
   * available node whose profile and capabilities match, marks it with `key` in the same transaction (so
   * two allocations never pick the same node), and deploys it. Idempotent: the node already holding `key`
   * is returned as it is.
   */
  async allocate(req: AllocationRequest & { image: string }): Promise<Node> {
    const [pick] = this.reserve([req]);
    return (await this.deployPicked(pick!, req.image, [])).node;
  }

  /**
   * TripleO's `overcloud node provision` (metalsmith): for each instance of `stack`, the node already
   * serving its hostname, or an available node (the one it names, else one matching its profile and
   * capabilities) reserved for it and deployed with its image. Every node is reserved in one transaction
   * first, so a file asking for more nodes than match changes nothing. Returns once each deploy has started;
   * the caller follows the nodes (a node already serving its hostname is returned as it is, or deployed
   * again when its deploy failed).
   */
  async provisionInstances(stack: string, instances: (Omit<AllocationRequest, 'key'> & { image: string; sshKeys: string[] })[]): Promise<{ hostname: string; node: Node }[]> {
    const reqs = instances.map((i) => ({ ...i, key: provisionKey(stack, i.hostname) }));
    const picks = this.reserve(reqs);
    try {
      // A missing image is an error before any deploy starts, not after a ramdisk boot.
      for (const [i, pick] of picks.entries()) if (pick.fresh && validateDrivers(pick.node).deploy.ramdiskAgent) this.conductor.agentServices?.resolveImage(reqs[i]!.image);
    } catch (err) {
      for (const pick of picks) if (pick.fresh) this.unreserve(pick.node.id);
      throw err;
    }
    const out: { hostname: string; node: Node }[] = [];
    for (const [i, pick] of picks.entries()) {
      try {
        // Running provision again retries an instance whose deploy failed, on the same node.
        const retry = !pick.fresh && pick.node.provisionState === 'deploy failed' && !pick.node.reservation;
        const r = retry
          ? await this.deploy(pick.node.id, { image_source: reqs[i]!.image, hostname: reqs[i]!.hostname, allocation_key: pick.req.key })
          : await this.deployPicked(pick, reqs[i]!.image, reqs[i]!.sshKeys);
        out.push({ hostname: reqs[i]!.hostname, node: r.node });
      } catch (err) {
        // The deploys already started go on (the next provision finds them); the rest are not reserved.
        for (const later of picks.slice(i + 1)) if (later.fresh) this.unreserve(later.node.id);
        throw err;
      }
    }
    return out;
  }

  /**
   * The nodes `overcloud node provision` allocated for `stack`, by hostname, with each one's control-plane
   * address: where its agent connects from now, else where it connected from when its deploy finished.
   */
  instances(stack: string): { hostname: string; node: Node; ctlplaneIp: string | undefined }[] {
    return provisionedInstances(this.nodes.list(), stack).map((i) => {
      const recorded = i.node.instanceInfo.ctlplane_ip;
      return { hostname: i.hostname, node: masked(i.node), ctlplaneIp: this.agentAddress(i.node.id) ?? (typeof recorded === 'string' ? recorded : undefined) };
    });
  }

  /**
   * `overcloud node unprovision`: undeploys the nodes serving these hostnames of `stack` (every one with
   * `all`); a node whose deploy never started just loses its reservation. Returns once each undeploy has
   * started. Unknown hostnames are skipped (unprovisioning is idempotent, as TripleO's).
   */
  async unprovisionInstances(stack: string, hostnames: string[], all: boolean): Promise<{ hostname: string; node: Node }[]> {
    const want = new Set(hostnames);
    const out: { hostname: string; node: Node }[] = [];
    for (const i of provisionedInstances(this.nodes.list(), stack)) {
      if (!all && !want.has(i.hostname)) continue;
      if (i.node.reservation) throw new NodeLockedError(i.node.name, i.node.reservation);
      if (INSTANCE_STATES.includes(i.node.provisionState)) {
        out.push({ hostname: i.hostname, node: (await this.undeploy(i.node.id)).node });
      } else {
        await this.release(i.node.id);
        out.push({ hostname: i.hostname, node: masked(this.nodes.get(i.node.id) ?? i.node) });
      }
    }
    return out;
  }

  /** The address a node's agent connects from (its control-plane address), while it is connected. */
  agentAddress(nodeId: string): string | undefined {
    return this.conductor.agentServices?.hub.session(nodeId)?.address;
  }

  /** The allocation a node holds (instance_info.allocation_key); undefined when none, or no such node. */
  allocationKeyOf(nodeId: string): string | undefined {
    const key = this.nodes.get(nodeId)?.instanceInfo.allocation_key;
    return typeof key === 'string' ? key : undefined;
  }

  /** The node id behind an orchestration server name (node id, node name or deployed hostname). */
  nodeIdOfServer(server: string): string | undefined {
    return nodeOfServer(this.nodes.list(), server)?.id;
  }

  /** The stack pre-flight: what the available nodes cannot serve of these new servers (allocation.ts). */
  capacityShortfalls(needs: CapacityNeed[]): string[] {
    return capacityShortfalls(this.nodes.list(), needs);
  }

  /** Picks and marks nodes for `reqs` in one transaction (all or none). */
  private reserve(reqs: AllocationRequest[]): Pick[] {
    return this.store.tx(() => pickNodes(this.nodes.list(), reqs).map((p) => {
      if (!p.fresh && !p.adopted) return p;
      if (p.adopted) this.log.info('node adopted', { node: p.node.name, from: p.node.instanceInfo.allocation_key, key: p.req.key, hostname: p.req.hostname });
      return { ...p, node: this.nodes.update(p.node.id, { instanceInfo: { ...p.node.instanceInfo, allocation_key: p.req.key } }) };
    }));
  }

  /** Deploys a freshly reserved node; gives the reservation back if the deploy does not start. */
  private async deployPicked(pick: Pick, image: string, sshKeys: string[]): Promise<{ node: Node }> {
    if (!pick.fresh) return { node: masked(pick.node) };
    this.log.info('node allocated', { node: pick.node.name, key: pick.req.key, hostname: pick.req.hostname });
    try {
      return await this.deploy(pick.node.id, { image_source: image, hostname: pick.req.hostname, allocation_key: pick.req.key, ...(sshKeys.length > 0 ? { ssh_keys: sshKeys } : {}) });
    } catch (err) {
      this.unreserve(pick.node.id);
      throw err;
    }
  }

  /** Forgets the allocation of a node that is still available (its deploy never started). */
  private unreserve(nodeId: string): void {
    const n = this.nodes.get(nodeId);
    if (n && n.provisionState === 'available' && !n.reservation) this.forgetAllocation(n);
  }

  private forgetAllocation(n: Node): void {
    const { allocation_key: _k, ...rest } = n.instanceInfo;
    this.nodes.update(n.id, { instanceInfo: rest });
  }

  /** Gives an allocated node back: undeploys it (waits until it is available) or just forgets the allocation. */
  async release(nodeId: string): Promise<void> {
    const n = this.nodes.get(nodeId);
    if (!n) return;
    if (INSTANCE_STATES.includes(n.provisionState)) {
      const r = await this.undeploy(n.id);
      await r.done;
      return;
    }
    if (n.instanceInfo.allocation_key !== undefined && !n.reservation && STATES[n.provisionState].stable) this.forgetAllocation(n);
  }

  /** active/deploy failed/error -> deleting -> cleaning -> available (undeploy always cleans when enabled). */
  async undeploy(idOrName: string): Promise<{ node: Node; done: Promise<void> }> {
    const n = this.conductor.getNode(idOrName);
    const d = validateDrivers(n);
    if (this.cfg.automatedClean) this.requireAgent(n, d.deploy.ramdiskAgent, 'undeploy (agent clean steps)');
    const r = await this.conductor.begin(n.id, 'undeploy', 'delete', async (task, signal, step) => {
      this.revokeAgent(task.node, 'undeployed');
      step('power off');
      await setPowerState(task, 'power off', this.power, signal);
      step('tear down');
      await task.driver.deploy.tearDown(task, signal);
      task.update({ instanceInfo: {} });
      task.process('clean');
      if (this.cfg.automatedClean) await this.runClean(task, 'metadata', signal, step);
      step('power off');
      await setPowerState(task, 'power off', this.power, signal);
      task.process('done', { message: 'undeployed, available again' });
    });
    return { node: masked(r.node), done: r.done };
  }

  /** Revokes the node's agent credentials (certificate, unused tokens) when its installed system goes away. */
  private revokeAgent(node: Node, why: 'rebuilt' | 'undeployed' | 'deleted'): void {
    this.conductor.agentServices?.hub.revoke(node.id, `node ${node.name} ${why}`);
  }

  /**
   * Ironic's maintenance mode, set or unset by the operator whatever the node is doing (no reservation: a
   * running task goes on). A node in maintenance is not allocated to stacks, not deployed, rebuilt or
   * cleaned by hand, and its power state is not synchronised; undeploy and power actions still work, so a
   * broken node can be taken out of an overcloud.
   */
  setMaintenance(idOrName: string, on: boolean, reason: string | undefined): Node {
    const n = this.conductor.getNode(idOrName);
    const node = this.store.tx(() => {
      const updated = this.nodes.update(n.id, { maintenance: on, maintenanceReason: on ? (reason || null) : null, fault: null });
      const message = on ? `maintenance set${reason ? `: ${reason}` : ''}` : 'maintenance unset';
      this.nodes.addHistory({ nodeId: n.id, event: on ? 'maintenance set' : 'maintenance unset', fromState: n.provisionState, toState: n.provisionState, severity: 'info', message, purpose: 'maintenance' });
      this.bus.publish({ kind: 'node.maintenance', subjectType: 'node', subjectId: n.id, message: `node ${n.name}: ${message}`, data: { node: n.name, maintenance: on, reason: on ? (reason ?? null) : null } });
      return updated;
    });
    return masked(node);
  }

  /**
   * Ironic's node update (`overcloud node set|unset`): name, properties, capabilities, driver_info. Under the
   * node's lock (a node busy with a task is NODE_LOCKED); the driver interfaces must accept the new
   * driver_info and the name must be free before anything is saved. The history and the event name what
   * changed, never a value (driver_info holds passwords).
   */
  async updateNode(idOrName: string, u: NodeUpdate): Promise<Node> {
    const node = await this.conductor.withNode(idOrName, { purpose: 'update', exclusive: true }, (task) => {
      const c = applyNodeUpdate(task.node, u);
      if (c.changed.length === 0) return task.node;
      validateDrivers({ ...task.node, name: c.name, properties: c.properties, driverInfo: c.driverInfo });
      if (c.name !== task.node.name && this.nodes.get(c.name)) throw new NodeExistsError(`node ${task.node.name}: cannot rename to ${c.name}: a node of that name is enrolled`);
      return this.saveUpdate(task.node.id, { name: c.name, properties: c.properties, driverInfo: c.driverInfo }, `updated ${c.changed.join(', ')}`, c.changed, 'update');
    });
    return masked(node);
  }

  /** Saves an operator's change of a node with its history entry and `node.updated` event, in one transaction. */
  private saveUpdate(id: string, patch: NodeEdit, message: string, changed: string[], purpose: string): Node {
    return this.store.tx(() => {
      const updated = this.nodes.update(id, patch);
      this.nodes.addHistory({ nodeId: updated.id, event: 'update', fromState: updated.provisionState, toState: updated.provisionState, severity: 'info', message, purpose });
      this.bus.publish({ kind: 'node.updated', subjectType: 'node', subjectId: updated.id, message: `node ${updated.name}: ${message}`, data: { node: updated.name, changed } });
      return updated;
    });
  }

  /**
   * TripleO's `overcloud node configure --root-device`: from the inventory the last inspection stored, picks
   * the root disk (rootDeviceHintFor) and saves it as properties.root_device, with local_gb from that disk
   * (one GiB short, as inspection computes it). A node that already has hints keeps them unless `overwrite`.
   */
  async configureRootDevice(idOrName: string, choice: RootDeviceChoice, minimumGib: number, overwrite: boolean): Promise<{ node: Node; device?: string; hint?: Record<string, string | number | boolean>; skipped?: string; warning?: string }> {
    const out = await this.conductor.withNode(idOrName, { purpose: 'configure', exclusive: true }, (task) => {
      const node = task.node;
      if (node.properties.rootDevice && Object.keys(node.properties.rootDevice).length > 0 && !overwrite) {
        return { node, skipped: `node ${node.name} already has root device hints ${JSON.stringify(node.properties.rootDevice)} (--overwrite-root-device-hints replaces them)` };
      }
      const inventory = (node.extra as { inventory?: { disks?: InventoryDisk[] } }).inventory;
      if (!inventory?.disks) throw new NotAvailableError(node.name, 'root device configuration', 'the node has no inspected inventory: run `overcloud node introspect` first');
      const picked = rootDeviceHintFor(inventory.disks, choice, minimumGib, node.name);
      const localGb = localGbOf(picked.disk);
      const message = `root device ${picked.disk.name} (${JSON.stringify(picked.hint)}), local_gb ${localGb}${picked.warning ? ` (${picked.warning})` : ''}`;
      const updated = this.saveUpdate(node.id, { properties: { ...node.properties, rootDevice: picked.hint as Record<string, string | number>, localGb } }, message, ['properties.root_device', 'properties.local_gb'], 'configure');
      return { node: updated, device: `/dev/${picked.disk.name}`, hint: picked.hint, ...(picked.warning ? { warning: picked.warning } : {}) };
    });
    return { ...out, node: masked(out.node) };
  }

  /**
   * Ironic's node delete (`overcloud node unenroll`): from enroll, manageable, adopt failed (available with
   * allow_deleting_available_nodes), or any state once the node is in maintenance.
   */
  async delete(idOrName: string): Promise<Node> {
    const allowed: ProvisionState[] = [...DELETABLE_STATES, ...(this.cfg.allowDeletingAvailableNodes ? ['available' as const] : [])];
    const node = await this.conductor.withNode(idOrName, { purpose: 'delete', exclusive: true }, (task) => {
      // Ironic's rule: in maintenance, any state (the way out for hardware that is dead or gone). A stack
      // server on the node loses it; `overcloud node delete` then removes that server with nothing to release.
      if (!allowed.includes(task.node.provisionState) && !task.node.maintenance) throw new NodeNotDeletableError(task.node.name, task.node.provisionState);
      // A deleted node's agent credentials must not outlive it.
      this.revokeAgent(task.node, 'deleted');
      this.store.tx(() => {
        this.nodes.delete(task.node.id);
        this.bus.publish({ kind: 'node.deleted', subjectType: 'node', subjectId: task.node.id, message: `node ${task.node.name} deleted`, data: { node: task.node.name } });
      });
      return task.node;
    });
    this.portsChanged();
    return masked(node);
  }

  async setPower(idOrName: string, target: PowerTarget, signal: AbortSignal): Promise<Node> {
    const node = await this.conductor.withNode(idOrName, { purpose: `power ${target}`, exclusive: true }, async (task) => {
      validateDrivers(task.node);
      const before = task.node.powerState;
      const after = await setPowerState(task, target, this.power, signal);
      this.bus.publish({ kind: 'node.power_state', subjectType: 'node', subjectId: task.node.id, message: `node ${task.node.name}: ${target} requested; power is ${after}`, data: { node: task.node.name, from: before ?? null, to: after, target } });
      return task.node;
    });
    return masked(node);
  }

  /** Reads the power state from the BMC now (shared task: no reservation) and records it. */
  async powerStatus(idOrName: string, signal: AbortSignal): Promise<{ node: Node; powerState: PowerState }> {
    return this.conductor.withNode(idOrName, { purpose: 'power status', exclusive: false }, async (task) => {
      validateDrivers(task.node);
      const s = await task.driver.power.getState(task, signal);
      const node = this.nodes.update(task.node.id, { powerState: s });
      return { node: masked(node), powerState: s };
    });
  }

  private async runClean(task: Task, mode: EraseMode, signal: AbortSignal, step: (n: string) => void): Promise<void> {
    await this.withTimeout(signal, this.cfg.cleanCallbackTimeoutMs, 'clean_callback_timeout', async (s) => {
      await this.ramdiskUp(task, s, step, task.driver.deploy.ramdiskAgent === true);
      step(mode === 'full' ? 'erase devices' : 'erase devices metadata');
      await task.driver.deploy.clean(task, mode, s);
      step('clean up ramdisk');
      await task.driver.boot.cleanUpRamdisk(task, s);
    });
  }

  /**
   * Boots the deploy ramdisk. For agent-based interfaces the node then waits in its wait state (inspect
   * wait, clean wait, wait call-back) until the ramdisk's agent connects, and resumes.
   */
  private async ramdiskUp(task: Task, s: AbortSignal, step: (n: string) => void, needsAgent: boolean): Promise<void> {
    step('prepare ramdisk');
    await task.driver.boot.prepareRamdisk(task, s);
    step('power on into the ramdisk');
    await setPowerState(task, 'rebooting', this.power, s);
    if (!needsAgent || !task.agent) return;
    task.process('wait', { message: 'ramdisk booting; waiting for its agent' });
    step('wait for the ramdisk agent');
    await waitForAgent(task.agent, task.node, 'ramdisk', s);
    task.process('resume', { message: 'the ramdisk agent connected' });
  }

  /** Agent-based interfaces need the agents domain; say so before anything starts. */
  private requireAgent(n: Node, agentBased: boolean | undefined, what: string): void {
    if (agentBased && !this.conductor.agentServices) throw new NotAvailableError(n.name, what, AGENTS_NOT_RUNNING);
  }

  /** Runs `fn` under the operation's signal and a step timeout named after its Ironic option. */
  private async withTimeout(signal: AbortSignal, ms: number, option: string, fn: (s: AbortSignal) => Promise<void>): Promise<void> {
    if (ms <= 0) return fn(signal);
    const timeout = AbortSignal.timeout(ms);
    const s = AbortSignal.any([signal, timeout]);
    try {
      await fn(s);
    } catch (err) {
      if (timeout.aborted && !signal.aborted) throw new Error(`timed out after ${ms / 1000}s ([baremetal] ${option})`, { cause: err });
      throw err;
    }
  }
}

export function masked(n: Node): Node {
  return { ...n, driverInfo: maskDriverInfo(n.driverInfo) };
}

function placeholder(): Node {
  const ts = new Date(0).toISOString();
  return {
    id: '', name: '', driver: '', interfaces: { power: '', management: '', boot: '', deploy: '', inspect: '' }, driverInfo: {}, properties: { capabilities: {} },
    provisionState: 'enroll', targetProvisionState: undefined, powerState: undefined, targetPowerState: undefined, maintenance: false, maintenanceReason: undefined, fault: undefined,
    lastError: undefined, reservation: undefined, instanceInfo: {}, extra: {}, createdAt: ts, updatedAt: ts, provisionUpdatedAt: ts,
  };
}
