/** A store, bus and conductor in memory for bare-metal unit tests (no sockets, no processes). */
import { Store } from '../../../undercloud/store/store.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { silentLogger } from '../../../undercloud/daemon/logging.js';
import { Conductor, defaultConductorOptions, type ConductorOptions, type RunOperation } from '../../../undercloud/baremetal/conductor/conductor.js';
import type { NewNode } from '../../../undercloud/baremetal/node.js';

export function memoryConductor(overrides: Partial<ConductorOptions> = {}) {
  const store = Store.open(':memory:');
  const bus = new EventBus(store);
  const log = silentLogger();
  const run: RunOperation = (_kind, _subject, _detail, body) => {
    const controller = new AbortController();
    return body({ id: 'op', signal: controller.signal, saveProgress: () => undefined });
  };
  const conductor = new Conductor(store, bus, log, run, { ...defaultConductorOptions(), tag: 'test-conductor', reserveAttempts: 2, reserveIntervalMs: 5, ...overrides, power: { timeoutMs: 500, retryAttempts: 2, retryDelayMs: 1, pollMs: 5, ...overrides.power } });
  return { store, bus, log, conductor };
}

export function fakeNode(name: string, mac: string, extra: Partial<NewNode> = {}): NewNode {
  return {
    name, driver: 'fake-hardware', interfaces: { power: 'fake', management: 'fake', boot: 'fake', deploy: 'fake', inspect: 'fake' },
    driverInfo: {}, properties: { capabilities: {} }, macs: [mac], ...extra,
  };
}
