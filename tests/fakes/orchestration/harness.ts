/**
 * An in-process engine for unit tests: an in-memory store, the real event bus and operation runner, the fake
 * server and agent ports, and helpers to build a bundle from inline YAML files.
 */
import { Store } from '../../../undercloud/store/store.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { OperationRunner } from '../../../undercloud/daemon/operations.js';
import { silentLogger } from '../../../undercloud/daemon/logging.js';
import { StackEngine, DEFAULT_ENGINE_OPTIONS, type EngineOptions } from '../../../undercloud/orchestration/engine/engine.js';
import { FakeAgent, FakeServers } from '../../../undercloud/orchestration/resources/index.js';
import type { Json, TemplateBundle } from '../../../undercloud/orchestration/template/types.js';
import { NetworksService } from '../../../undercloud/networks/service.js';
import { networkPort } from '../../../undercloud/networks/orchestration-port.js';

export interface Harness {
  store: Store;
  bus: EventBus;
  engine: StackEngine;
  servers: FakeServers;
  agent: FakeAgent;
  /** The real IPAM on the harness's store (the isolated networks' ports resources use it). */
  networks: NetworksService;
  operations: OperationRunner;
  shutdown: AbortController;
  /** Creates (or updates when it exists) and waits; returns the final stack record. */
  deploy(name: string, bundle: TemplateBundle, parameters?: Record<string, Json>): Promise<ReturnType<StackEngine['get']>['stack']>;
  close(): void;
}

export function bundleOf(files: Record<string, string>, opts: { root?: string; environments?: string[] } = {}): TemplateBundle {
  return { rootTemplate: opts.root ?? 'overcloud.yaml', files, environments: opts.environments ?? [] };
}

export function harness(opts: { options?: Partial<EngineOptions>; servers?: FakeServers; agent?: FakeAgent; store?: Store } = {}): Harness {
  const store = opts.store ?? Store.open(':memory:');
  const bus = new EventBus(store);
  const log = silentLogger();
  const shutdown = new AbortController();
  const operations = new OperationRunner(store, bus, log, shutdown.signal);
  const servers = opts.servers ?? new FakeServers();
  const agent = opts.agent ?? new FakeAgent();
  const networks = new NetworksService(store, bus);
  const engine = new StackEngine(store, bus, log, operations, { servers, agent, networks: networkPort(networks) }, shutdown.signal, { ...DEFAULT_ENGINE_OPTIONS, ...opts.options });
  return {
    store, bus, engine, servers, agent, networks, operations, shutdown,
    async deploy(name, bundle, parameters) {
      if (engine.findStack(name)) engine.updateStack({ name, bundle, parameters });
      else engine.createStack({ name, bundle, parameters });
      return (await engine.wait(name))!;
    },
    close() {
      shutdown.abort();
      store.close();
    },
  };
}
