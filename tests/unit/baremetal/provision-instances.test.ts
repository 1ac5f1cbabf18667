/** `overcloud node provision|unprovision` in the service: reservation of a batch, named nodes, idempotence, hostnames. */
import { describe, expect, it } from 'vitest';
import { memoryConductor } from './helpers.js';
import { BaremetalService } from '../../../undercloud/baremetal/service.js';
import { NodeNotFoundError, NoNodeAvailableError } from '../../../undercloud/baremetal/errors.js';
import { baremetalSection } from '../../../undercloud/baremetal/config.js';
import { baremetalServerPort } from '../../../undercloud/baremetal/orchestration-port.js';

async function ready(names: Record<string, string>) {
  const { store, bus, log, conductor } = memoryConductor();
  const cfg = { ...baremetalSection.compile({}, (p) => p), enabledHardwareTypes: ['fake'], automatedClean: false };
  const bm = new BaremetalService(store, bus, log, conductor, cfg);
  const entries = Object.entries(names);
  bm.importNodes({ nodes: entries.map(([name, profile], i) => ({ name, pm_type: 'fake', mac: [`52:54:00:00:01:${String(i).padStart(2, '0')}`], capabilities: `profile:${profile}` })) }, false);
  for (const [n] of entries) {
    await (await bm.manage(n)).done;
    await (await bm.provide(n)).done;
  }
  return bm;
}

/** Waits until no node holds a reservation (the deploys and undeploys started have finished). */
async function settle(bm: BaremetalService): Promise<void> {
  while (bm.list().some((n) => n.reservation)) await new Promise((r) => setTimeout(r, 5));
}

const inst = (hostname: string, extra: Record<string, unknown> = {}) => ({ hostname, capabilities: {}, image: 'golden', sshKeys: [], ...extra });

describe('BaremetalService provision instances', () => {
  it('reserves and deploys one node per hostname, named nodes first; a second run changes nothing', async () => {
    const bm = await ready({ a: 'compute', b: 'compute', c: 'control' });
    const r = await bm.provisionInstances('oc', [inst('cmp-0', { profile: 'compute' }), inst('cmp-1', { node: 'a' }), inst('ctl-0', { profile: 'control' })]);
    expect(r.map((x) => [x.hostname, x.node.name])).toEqual([['cmp-0', 'b'], ['cmp-1', 'a'], ['ctl-0', 'c']]);
    await settle(bm);
    expect(bm.instances('oc').map((i) => [i.hostname, i.node.name, i.node.provisionState])).toEqual([['cmp-0', 'b', 'active'], ['cmp-1', 'a', 'active'], ['ctl-0', 'c', 'active']]);
    expect(bm.show('a').node.instanceInfo).toMatchObject({ hostname: 'cmp-1', image_source: 'golden', allocation_key: 'provision:oc:cmp-1' });
    expect(bm.instances('other')).toEqual([]);
    // Without a connected agent the address is the one recorded when the deploy finished (none for fake nodes).
    expect(bm.instances('oc').map((i) => i.ctlplaneIp)).toEqual([undefined, undefined, undefined]);
    bm.conductor.nodes.update(bm.show('a').node.id, { instanceInfo: { ...bm.show('a').node.instanceInfo, ctlplane_ip: '192.0.2.9' } });
    expect(bm.instances('oc').find((i) => i.hostname === 'cmp-1')!.ctlplaneIp).toBe('192.0.2.9');

    const deploys = bm.show('a').history.filter((h) => h.toState === 'deploying').length;
    const again = await bm.provisionInstances('oc', [inst('cmp-0', { profile: 'compute' }), inst('cmp-1', { node: 'a' }), inst('ctl-0', { profile: 'control' })]);
    expect(again.map((x) => x.node.provisionState)).toEqual(['active', 'active', 'active']);
    expect(bm.show('a').history.filter((h) => h.toState === 'deploying').length).toBe(deploys);

    // The orchestration engine reaches a pre-provisioned server by its hostname.
    expect(bm.nodeIdOfServer('cmp-1')).toBe(bm.show('a').node.id);
    expect(bm.nodeIdOfServer('a')).toBe(bm.show('a').node.id);
    expect(bm.nodeIdOfServer(bm.show('a').node.id)).toBe(bm.show('a').node.id);
    expect(bm.nodeIdOfServer('nobody')).toBeUndefined();
  });

  it('reserves nothing when one instance cannot be served', async () => {
    const bm = await ready({ a: 'compute', b: 'control' });
    const err = await bm.provisionInstances('oc', [inst('x-0', { profile: 'compute' }), inst('x-1', { profile: 'compute' })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoNodeAvailableError);
    expect((err as Error).message).toContain('no available node matches {"profile":"compute"} for x-1 (nodes: 2 available)');
    expect(bm.list().map((n) => [n.name, n.provisionState, n.instanceInfo.allocation_key])).toEqual([['a', 'available', undefined], ['b', 'available', undefined]]);

    const named = await bm.provisionInstances('oc', [inst('x-0', { node: 'b', profile: 'compute' })]).catch((e: unknown) => e);
    expect((named as Error).message).toBe('node b cannot serve x-0: it does not have the capabilities {"profile":"compute"} (it has {"profile":"control"})');
    expect(await bm.provisionInstances('oc', [inst('x-0', { node: 'zz' })]).catch((e: unknown) => e)).toBeInstanceOf(NodeNotFoundError);
    await bm.provisionInstances('oc', [inst('x-0', { node: 'b' })]);
    const twice = await bm.provisionInstances('oc2', [inst('y-0', { node: 'b' })]).catch((e: unknown) => e);
    expect((twice as Error).message).toMatch(/^node b cannot serve y-0: it is (allocated already \(provision:oc:x-0\)|busy)/);
    await settle(bm);
  });

  it('running provision again deploys an instance whose deploy failed again, on the same node', async () => {
    const bm = await ready({ a: 'compute' });
    await bm.provisionInstances('oc', [inst('cmp-0')]);
    await settle(bm);
    bm.conductor.nodes.update(bm.show('a').node.id, { provisionState: 'deploy failed', lastError: 'image write failed' });
    const r = await bm.provisionInstances('oc', [inst('cmp-0')]);
    expect(r[0]!.node.name).toBe('a');
    await settle(bm);
    expect(bm.show('a').node).toMatchObject({ provisionState: 'active', instanceInfo: { hostname: 'cmp-0', allocation_key: 'provision:oc:cmp-0' } });
    expect(bm.show('a').history.map((h) => h.toState).slice(-2)).toEqual(['deploying', 'active']);
  });

  it('unprovisions named hostnames (or all) back to available; unknown hostnames are skipped', async () => {
    const bm = await ready({ a: 'compute', b: 'compute' });
    await bm.provisionInstances('oc', [inst('cmp-0'), inst('cmp-1')]);
    await settle(bm);
    const r = await bm.unprovisionInstances('oc', ['cmp-1', 'gone'], false);
    expect(r.map((x) => x.hostname)).toEqual(['cmp-1']);
    await settle(bm);
    expect(bm.instances('oc').map((i) => i.hostname)).toEqual(['cmp-0']);
    expect(bm.show('b').node).toMatchObject({ provisionState: 'available', instanceInfo: {} });
    expect(bm.nodeIdOfServer('cmp-1')).toBeUndefined();
    await bm.unprovisionInstances('oc', [], true);
    await settle(bm);
    expect(bm.list().map((n) => n.provisionState)).toEqual(['available', 'available']);
  });

  it('the stack pre-flight: says per need how many it lacks and where the matching nodes are', async () => {
    const bm = await ready({ a: 'compute', b: 'compute', c: 'compute', d: 'control', e: 'control' });
    await bm.provisionInstances('other', [inst('x-0', { node: 'a' })]);
    await settle(bm);
    bm.setMaintenance('b', true, 'fan');
    const need = (profile: string, count: number, paths: string[]) => ({ profile, capabilities: {}, count, paths });
    expect(bm.capacityShortfalls([need('control', 2, ['Controller/*/Server']), need('compute', 1, ['Compute/*/Server'])])).toEqual([]);
    expect(bm.capacityShortfalls([need('compute', 1, ['Compute/*/Server']), need('compute', 2, ['Edge/*/Server']), need('storage', 1, ['Storage/*/Server'])])).toEqual([
      'Edge/*/Server: 2 new server(s) need nodes with {"profile":"compute"}, 0 available (the other matching nodes: a active, b in maintenance, c wanted by another role)',
      'Storage/*/Server: 1 new server(s) need nodes with {"profile":"storage"}, 0 available (no other node matches)',
      'provide more nodes (overcloud node import --provide, overcloud node provide), tag them with these capabilities, or lower the counts',
    ]);
    // Nothing was reserved by asking.
    expect(bm.list().filter((n) => n.instanceInfo.allocation_key !== undefined).map((n) => n.name)).toEqual(['a']);
  });

  it('adopts a node a stack deployed as the hostname it names: no deploy, the allocation moves, the stack lets it go deployed', async () => {
    const bm = await ready({ a: 'compute', b: 'compute' });
    // As the orchestration ServerPort allocates: the stack's key, deployed as its hostname.
    await bm.allocate({ key: 'stack-id/Server', hostname: 'oc-compute-0', profile: 'compute', capabilities: {}, image: 'golden' });
    await settle(bm);
    const nodeId = bm.show('a').node.id;
    const deploys = () => bm.show('a').history.filter((h) => h.toState === 'deploying').length;
    const before = deploys();
    // Not by profile, and not under another hostname: only the instance that names it, as that hostname.
    const other = await bm.provisionInstances('oc', [inst('oc-compute-9', { node: 'a' })]).catch((e: unknown) => e);
    expect((other as Error).message).toContain('is allocated already (stack-id/Server)');
    const r = await bm.provisionInstances('oc', [inst('oc-compute-0', { node: 'a' })]);
    expect(r.map((x) => [x.hostname, x.node.name, x.node.provisionState])).toEqual([['oc-compute-0', 'a', 'active']]);
    expect(deploys()).toBe(before);
    expect(bm.show('a').node.instanceInfo).toMatchObject({ hostname: 'oc-compute-0', allocation_key: 'provision:oc:oc-compute-0' });
    expect(bm.allocationKeyOf(nodeId)).toBe('provision:oc:oc-compute-0');
    // The stack's server is deleted when its role moves to pre-provisioned servers: the node stays deployed.
    const port = baremetalServerPort(bm, () => undefined);
    await port.release(nodeId, new AbortController().signal);
    await settle(bm);
    expect(bm.show('a').node.provisionState).toBe('active');
    expect(bm.instances('oc').map((i) => [i.hostname, i.node.name])).toEqual([['oc-compute-0', 'a']]);
  });
});
