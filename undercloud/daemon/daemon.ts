/**
 * The undercloud daemon's lifecycle: starting -> recovering -> running -> draining -> stopped (or failed).
 * It opens the store, recovers what a previous daemon left unfinished, serves the operator API on a unix
 * socket (mode 0660) and optionally over TLS, and on SIGTERM drains: new calls are refused, running
 * operations get `shutdown_grace_seconds` to stop, and the rest are recorded as interrupted.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { chmodSync, readFileSync } from 'node:fs';
import type { DaemonConfig } from './config.js';
import { ProblemBoard, type DaemonContext, type DaemonState } from './context.js';
import { createLogger, type Logger } from './logging.js';
import { OperationRunner } from './operations.js';
import { prepareSocketPath } from './socket.js';
import { Store } from '../store/store.js';
import { EventBus } from '../events/event-bus.js';
import { registerServices } from '../api/index.js';
import { pkiFiles } from '../pki/pki.js';
import { version } from '../version.js';
import { domainModules, type DomainModule } from './modules.js';
import { API_STOP_MS, MODULE_STOP_BUDGET_MS, stopModules } from './stop-modules.js';

export interface DaemonOptions {
  debug?: boolean;
  /** Log to the console too (the foreground `undercloud daemon`); off when supervised with a log file. */
  console?: boolean;
  logger?: Logger;
}

export class Daemon {
  private stateValue: DaemonState = 'starting';
  private server: Server | undefined;
  private store: Store | undefined;
  private readonly shutdownController = new AbortController();
  private ctx: DaemonContext | undefined;
  private modules: DomainModule[] = [];
  readonly log: Logger;
  readonly startedAt = new Date();

  constructor(readonly config: DaemonConfig, options: DaemonOptions = {}) {
    this.log = options.logger ?? createLogger({ debug: options.debug || config.debug, file: config.logFile, console: options.console ?? true });
  }

  get state(): DaemonState {
    return this.stateValue;
  }

  get context(): DaemonContext {
    if (!this.ctx) throw new Error('daemon not started');
    return this.ctx;
  }

  async start(): Promise<void> {
    try {
      await this.startInner();
    } catch (err) {
      this.stateValue = 'failed';
      this.server?.forceShutdown();
      this.store?.close();
      throw err;
    }
  }

  private async startInner(): Promise<void> {
    const c = this.config;
    this.log.info('undercloud daemon starting', { version: version(), config: c.file, pid: process.pid });
    await prepareSocketPath(c.socketPath);
    const store = Store.open(c.storePath);
    this.store = store;
    const bus = new EventBus(store);
    const operations = new OperationRunner(store, bus, this.log, this.shutdownController.signal);
    this.ctx = {
      config: c, store, bus, log: this.log, operations, startedAt: this.startedAt,
      state: () => this.stateValue, shutdownSignal: this.shutdownController.signal, problems: new ProblemBoard(),
    };

    this.stateValue = 'recovering';
    this.modules = domainModules();
    for (const m of this.modules) await m.start?.(this.ctx);
    const outcome = operations.recover();
    if (outcome.size > 0) this.log.info('recovery done', { operations: Object.fromEntries(outcome) });

    const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    this.server = server;
    registerServices(server, this.ctx);
    for (const m of this.modules) m.registerServices?.(server, this.ctx);
    await bind(server, `unix://${c.socketPath}`, ServerCredentials.createInsecure());
    chmodSync(c.socketPath, 0o660);
    if (c.apiTlsListen) {
      const f = pkiFiles(c.pkiDir);
      const creds = ServerCredentials.createSsl(readFileSync(f.caCert), [{ cert_chain: readFileSync(f.serverCert), private_key: readFileSync(f.serverKey) }], true);
      const port = await bind(server, c.apiTlsListen, creds);
      this.log.info('operator API listening over TLS (client certificates required)', { address: c.apiTlsListen, port });
    }
    this.stateValue = 'running';
    bus.publish({ kind: 'daemon.started', subjectType: 'daemon', message: `undercloud ${version()} started (pid ${process.pid})`, data: { pid: process.pid, version: version(), recovered: Object.fromEntries(outcome) } });
    this.log.info('undercloud daemon running', { socket: c.socketPath, store: c.storePath });
  }

  /**
   * SIGHUP: re-reads the config file and reports whether it is valid and which settings differ from the
   * running ones. Settings take effect on restart; this lets an operator check an edit without one.
   */
  checkConfig(load: () => DaemonConfig): void {
    if (!this.ctx) return;
    try {
      const next = load();
      const changed = Object.keys(next).filter((k) => JSON.stringify(next[k as keyof DaemonConfig]) !== JSON.stringify(this.config[k as keyof DaemonConfig]));
      const message = changed.length === 0 ? 'config file checked: valid, no changes' : `config file checked: valid; restart the daemon to apply: ${changed.join(', ')}`;
      this.ctx.bus.publish({ kind: 'daemon.config_checked', subjectType: 'daemon', message, data: { file: this.config.file, valid: true, changed } });
      this.log.info(message);
    } catch (err) {
      const message = `config file checked: invalid: ${(err as Error).message}`;
      this.ctx.bus.publish({ kind: 'daemon.config_checked', subjectType: 'daemon', severity: 'error', message, data: { file: this.config.file, valid: false } });
      this.log.error(message);
    }
  }

  /** Graceful stop: refuse new calls, drain operations, record the rest as interrupted, close the store. */
  async stop(reason = 'stop requested'): Promise<void> {
    if (this.stateValue === 'draining' || this.stateValue === 'stopped') return;
    this.stateValue = 'draining';
    this.log.info('undercloud daemon draining', { reason });
    this.shutdownController.abort(new Error(reason));
    const graceMs = this.config.shutdownGraceSeconds * 1000;
    await this.ctx?.operations.drain(graceMs);
    await stopModules(this.modules, MODULE_STOP_BUDGET_MS, this.log);
    if (this.server) {
      const server = this.server;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, Math.min(graceMs, API_STOP_MS));
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.store && this.ctx) {
      this.ctx.bus.publish({ kind: 'daemon.stopped', subjectType: 'daemon', message: `undercloud daemon stopped: ${reason}`, data: { pid: process.pid } });
      this.store.close();
    }
    this.stateValue = 'stopped';
    this.log.info('undercloud daemon stopped');
  }
}

function bind(server: Server, address: string, creds: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`, { cause: err })) : resolve(port)));
  });
}
