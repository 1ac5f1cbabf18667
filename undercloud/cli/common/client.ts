/**
 * How the CLIs reach the daemon: the socket path from the config (--config, UNDERCLOUD_CONFIG, or
 * /etc/undercloud/undercloud.conf). Calls are promisified here; a dead socket becomes DaemonNotRunningError
 * and a daemon error becomes RemoteError with the daemon's code.
 */
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import { loadConfig, type DaemonConfig } from '../../daemon/config.js';
import { ERROR_CODE_KEY } from '../../api/grpc-status.js';
import { DaemonNotRunningError, RemoteError } from './errors.js';

export interface Connection {
  config: DaemonConfig;
  /** Makes a client of a generated service constructor over the daemon socket. */
  client<C extends Client>(ctor: new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options?: object) => C): C;
  close(): void;
}

export function connect(configFile: string): Connection {
  const config = loadConfig(configFile);
  if (!existsSync(config.socketPath)) throw new DaemonNotRunningError(config.socketPath, config.file, 'no socket');
  const clients: Client[] = [];
  return {
    config,
    client(ctor) {
      const c = new ctor(`unix://${config.socketPath}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
      clients.push(c);
      return c;
    },
    close() {
      for (const c of clients) c.close();
    },
  };
}

export function translateError(err: unknown, config: DaemonConfig): Error {
  const e = err as ServiceError;
  if (typeof e?.code !== 'number') return err as Error;
  if (e.code === status.UNAVAILABLE && /ECONNREFUSED|ENOENT|No connection established|connect/i.test(e.details ?? '')) {
    return new DaemonNotRunningError(config.socketPath, config.file, 'no answer');
  }
  const code = e.metadata?.get(ERROR_CODE_KEY)?.[0];
  return new RemoteError(typeof code === 'string' ? code : status[e.code] ?? 'UNKNOWN', e.details || e.message, e.code);
}

type UnaryMethod<Req, Res> = (req: Req, md: Metadata, opts: object, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/** Calls a unary method with a deadline and turns failures into our errors. */
export function call<Req, Res>(conn: Connection, method: UnaryMethod<Req, Res>, self: Client, req: Req, timeoutMs = 30_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(self, req, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(translateError(err, conn.config)) : resolve(res)));
  });
}
