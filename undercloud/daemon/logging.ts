/**
 * winston, set up once per process: JSON lines to the log file (for machines), readable lines to the
 * console (for people). Secrets never reach either: fields whose names say they hold one are masked, and
 * so are values registered with `redactValue` (a BMC password that appears inside a command line).
 */
import winston from 'winston';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type Logger = winston.Logger;

const SECRET_KEY = /(password|passwd|secret|token|private_?key|credential)s?$/i;
const secretValues = new Set<string>();

/** Registers a secret value so it is masked wherever it appears in a log line. */
export function redactValue(value: string): void {
  if (value.length >= 4) secretValues.add(value);
}

export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === 'string') {
    let out = value;
    for (const s of secretValues) if (out.includes(s)) out = out.split(s).join('******');
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== '' && v !== undefined ? '******' : maskSecrets(v, depth + 1);
    return out;
  }
  return value;
}

const redact = winston.format((info) => {
  for (const k of Object.keys(info)) {
    if (k === 'level' || k === 'timestamp') continue;
    (info as Record<string, unknown>)[k] = SECRET_KEY.test(k) ? '******' : maskSecrets(info[k]);
  }
  return info;
});

const readable = winston.format.printf((info) => {
  const { level, message, timestamp, stack, ...rest } = info as Record<string, unknown>;
  const fields = Object.entries(rest)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const tail = stack && typeof stack === 'string' ? `\n${stack}` : '';
  return `${String(timestamp)} ${String(level).padEnd(5)} ${String(message)}${fields ? ' ' + fields : ''}${tail}`;
});

export interface LoggingOptions {
  debug?: boolean;
  file?: string | undefined;
  console?: boolean;
}

export function createLogger(opts: LoggingOptions = {}): Logger {
  const transports: winston.transport[] = [];
  if (opts.console !== false) {
    transports.push(new winston.transports.Console({
      stderrLevels: ['error', 'warn', 'info', 'debug'],
      format: winston.format.combine(winston.format.timestamp(), redact(), readable),
    }));
  }
  if (opts.file) {
    mkdirSync(path.dirname(opts.file), { recursive: true });
    transports.push(new winston.transports.File({
      filename: opts.file,
      format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), redact(), winston.format.json()),
    }));
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({ level: opts.debug ? 'debug' : 'info', transports });
}

/** A logger that drops everything, for unit tests and library use. */
export function silentLogger(): Logger {
  return winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });
}
