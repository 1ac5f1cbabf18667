/**
 * The agent's gRPC transport: Enroll over server-authenticated TLS (the undercloud CA is verified), then a
 * Connect stream over mutual TLS that reconnects with capped exponential backoff. It is the StepSource and
 * the EventSink of the runner. Messages produced while disconnected wait in a bounded outbox. A silent
 * daemon (no message for three heartbeat intervals) is treated as gone and the stream is redialled.
 * Refusals of our identity (UNAUTHENTICATED, PERMISSION_DENIED) are fatal: retrying cannot fix them.
 */
import { credentials as grpcCredentials, Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { AgentServiceClient, type AgentMessage, type HubMessage } from '../../proto/gen/agent/v1/agent.js';
import { newKeyPair, saveCredentials, storedCredentials, type AgentCredentials } from './credentials.js';
import type { AgentMode, EventSink, LogStream, Step, StepResult, StepSource } from './types.js';

export interface TransportOptions {
  server: string;
  caPem: string;
  /** TLS name to verify instead of the host in `server`. */
  serverName?: string | undefined;
  nodeId: string;
  token?: string | undefined;
  stateDir: string;
  mode: AgentMode;
  version: string;
  hostname: string;
  say: (msg: string) => void;
}

/** Our identity was refused; the agent exits (a new token is needed). */
export class AgentRefusedError extends Error {
  constructor(readonly grpcCode: number, message: string) {
    super(message);
    this.name = 'AgentRefusedError';
  }
}

const OUTBOX_MAX = 20_000;

export class GrpcTransport implements StepSource, EventSink {
  private stepHandler: (s: Step) => void = () => undefined;
  private connectedHandler: () => void = () => undefined;
  private stream: ClientDuplexStream<AgentMessage, HubMessage> | undefined;
  private ready = false;
  private readonly outbox: AgentMessage[] = [];
  private readonly resultWaiters = new Map<string, (() => void)[]>();
  private heartbeatMs = 10_000;
  private lastHeard = Date.now();
  onResultAck: (stepId: string) => void = () => undefined;

  constructor(private readonly o: TransportOptions) {}

  onStep(h: (s: Step) => void): void {
    this.stepHandler = h;
  }

  onConnected(h: () => void): void {
    this.connectedHandler = h;
  }

  ack(stepId: string, attempt: number): void {
    this.send({ event: { $case: 'ack', ack: { stepId, attempt } } });
  }

  log(stepId: string, seq: number, stream: LogStream, data: string): void {
    this.send({ event: { $case: 'log', log: { stepId, seq, stream, data } } });
  }

  result(r: StepResult, waitMs = 0): Promise<boolean> {
    const acked = new Promise<boolean>((resolve) => {
      if (waitMs <= 0) return resolve(false);
      const t = setTimeout(() => resolve(false), waitMs);
      const list = this.resultWaiters.get(r.stepId) ?? [];
      list.push(() => {
        clearTimeout(t);
        resolve(true);
      });
      this.resultWaiters.set(r.stepId, list);
    });
    this.send({
      event: {
        $case: 'result',
        result: { stepId: r.stepId, success: r.success, changed: r.changed, outputsJson: JSON.stringify(r.outputs), errorCode: r.errorCode, errorMessage: r.errorMessage, attempts: r.attempts },
      },
    });
    return acked;
  }

  /** Returns credentials, enrolling first when there are none for the current token. */
  async credentials(): Promise<AgentCredentials> {
    const stored = storedCredentials(this.o.stateDir, this.o.token);
    if (stored) return stored;
    if (!this.o.token) throw new AgentRefusedError(status.UNAUTHENTICATED, 'no stored certificate and no enrollment token (pass --token or --token-file)');
    const { keyPem, publicKeyPem } = newKeyPair();
    const client = new AgentServiceClient(this.o.server, grpcCredentials.createSsl(Buffer.from(this.o.caPem)), this.channelOptions());
    try {
      const res = await new Promise<{ certificatePem: string }>((resolve, reject) =>
        client.enroll({ nodeId: this.o.nodeId, token: this.o.token!, publicKeyPem }, new Metadata(), { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(err) : resolve(r))),
      );
      const c = { keyPem, certPem: res.certificatePem };
      saveCredentials(this.o.stateDir, c, this.o.token);
      this.o.say(`enrolled as node ${this.o.nodeId}`);
      return c;
    } catch (err) {
      const e = err as ServiceError;
      if (e.code === status.UNAUTHENTICATED || e.code === status.PERMISSION_DENIED || e.code === status.INVALID_ARGUMENT) {
        throw new AgentRefusedError(e.code, `enrollment refused: ${e.details}`);
      }
      throw err;
    } finally {
      client.close();
    }
  }

  /** Keeps a session up until `signal` aborts; rejects with AgentRefusedError when our identity is refused. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 200;
    while (!signal.aborted) {
      let creds: AgentCredentials;
      try {
        creds = await this.credentials();
      } catch (err) {
        if (err instanceof AgentRefusedError) throw err;
        this.o.say(`cannot enroll yet: ${(err as Error).message}`);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      const client = new AgentServiceClient(this.o.server, grpcCredentials.createSsl(Buffer.from(this.o.caPem), Buffer.from(creds.keyPem), Buffer.from(creds.certPem)), this.channelOptions());
      try {
        const welcomed = await this.session(client, signal);
        if (welcomed) backoff = 200;
      } catch (err) {
        if (err instanceof AgentRefusedError) throw err;
      } finally {
        client.close();
      }
      if (signal.aborted) break;
      await sleep(backoff + Math.random() * backoff, signal);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private session(client: AgentServiceClient, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let welcomed = false;
      const stream = client.connect();
      this.stream = stream;
      this.lastHeard = Date.now();
      // The timer ticks at most every second (so silence is noticed promptly) but a heartbeat goes out only
      // once per heartbeat interval the daemon asked for: 1000 idle agents must not cost it a core.
      let lastBeat = 0;
      const beat = setInterval(() => {
        if (Date.now() - this.lastHeard > 3 * this.heartbeatMs) {
          this.o.say('the daemon went silent; reconnecting');
          stream.cancel();
          return;
        }
        if (this.ready && Date.now() - lastBeat >= this.heartbeatMs) {
          lastBeat = Date.now();
          stream.write({ event: { $case: 'heartbeat', heartbeat: { sentAtMs: lastBeat } } });
        }
      }, Math.max(100, Math.min(this.heartbeatMs, 1000)));
      const onAbort = () => stream.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (err?: ServiceError) => {
        clearInterval(beat);
        signal.removeEventListener('abort', onAbort);
        this.ready = false;
        this.stream = undefined;
        if (err && (err.code === status.UNAUTHENTICATED || err.code === status.PERMISSION_DENIED)) {
          reject(new AgentRefusedError(err.code, `session refused: ${err.details}`));
        } else {
          if (err && err.code !== status.CANCELLED) this.o.say(`session ended: ${status[err.code] ?? err.code} ${err.details}`);
          resolve(welcomed);
        }
      };
      stream.on('data', (m: HubMessage) => {
        this.lastHeard = Date.now();
        const e = m.event;
        switch (e?.$case) {
          case 'welcome':
            welcomed = true;
            this.heartbeatMs = e.welcome.heartbeatIntervalMs || this.heartbeatMs;
            this.ready = true;
            for (const msg of this.outbox.splice(0)) stream.write(msg);
            this.connectedHandler();
            return;
          case 'step': {
            const s = e.step;
            let params: Record<string, unknown> = {};
            try {
              params = JSON.parse(s.paramsJson || '{}') as Record<string, unknown>;
            } catch {
              params = {};
            }
            this.stepHandler({ id: s.id, kind: s.kind, params, timeoutMs: s.timeoutMs, retry: { maxAttempts: s.retry?.maxAttempts || 1, backoffMs: s.retry?.backoffMs ?? 0 } });
            return;
          }
          case 'resultAck': {
            this.onResultAck(e.resultAck.stepId);
            for (const w of this.resultWaiters.get(e.resultAck.stepId) ?? []) w();
            this.resultWaiters.delete(e.resultAck.stepId);
            return;
          }
          default:
            return;
        }
      });
      stream.on('error', (err: ServiceError) => finish(err));
      stream.on('end', () => finish());
      stream.write({ event: { $case: 'hello', hello: { mode: this.o.mode, version: this.o.version, hostname: this.o.hostname } } });
    });
  }

  private send(m: AgentMessage): void {
    if (this.ready && this.stream) {
      this.stream.write(m);
      return;
    }
    if (this.outbox.length >= OUTBOX_MAX) this.outbox.shift();
    this.outbox.push(m);
  }

  private channelOptions(): Record<string, string | number> {
    const o: Record<string, string | number> = { 'grpc.keepalive_time_ms': 20_000, 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 5000 };
    if (this.o.serverName) o['grpc.ssl_target_name_override'] = this.o.serverName;
    return o;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
