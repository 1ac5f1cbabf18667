/**
 * Agent options from the command line, an optional key=value config file (the node mode's systemd unit
 * uses /etc/undercloud-agent/agent.conf, written from the config drive) and the kernel command line (the
 * deploy ramdisk: undercloud.server=, undercloud.node=, undercloud.token=, undercloud.ca_url=,
 * undercloud.ca_sha256=). Command-line flags win, then the config file, then the kernel line.
 * A ramdisk is built before the undercloud's CA exists, so it downloads the CA from ca_url and accepts it only
 * when its sha256 matches ca_sha256, which came with the kernel line (the same channel as the one-time token).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import type { AgentMode } from './types.js';

export interface AgentOptions {
  server: string;
  caFile: string;
  /** Where to fetch the CA when caFile does not exist yet (with caSha256, required then). */
  caUrl: string | undefined;
  caSha256: string | undefined;
  serverName: string | undefined;
  nodeId: string;
  token: string | undefined;
  stateDir: string;
  mode: AgentMode;
  root: string;
  dryRun: boolean;
}

export class UsageError extends Error {}

const KEYS = ['server', 'ca-file', 'ca-url', 'ca-sha256', 'server-name', 'node-id', 'token', 'token-file', 'state-dir', 'mode', 'root'] as const;

function keyValues(text: string, re: RegExp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(re)) out[m[1]!.replace(/_/g, '-')] = m[2]!;
  return out;
}

export function parseOptions(argv: string[]): AgentOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(KEYS.map((k) => [k, { type: 'string' as const }])),
      config: { type: 'string' },
      cmdline: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }) as { values: Record<string, string | boolean | undefined> };
  if (values.help) throw new UsageError(usage());
  const fromFile = typeof values.config === 'string' && existsSync(values.config) ? keyValues(readFileSync(values.config, 'utf8'), /^\s*([a-z0-9_-]+)\s*=\s*(.*?)\s*$/gm) : {};
  const cmdlineFile = typeof values.cmdline === 'string' ? values.cmdline : undefined;
  const fromKernel = cmdlineFile && existsSync(cmdlineFile) ? keyValues(readFileSync(cmdlineFile, 'utf8'), /(?:^|\s)undercloud\.([a-z0-9_]+)=(\S+)/g) : {};
  const get = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : fromFile[k] ?? fromKernel[k] ?? (k === 'node-id' ? fromKernel['node'] : undefined);
  };
  const need = (k: string): string => {
    const v = get(k);
    if (!v) throw new UsageError(`--${k} is required\n${usage()}`);
    return v;
  };
  const tokenFile = get('token-file');
  const token = get('token') ?? (tokenFile && existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  const mode = get('mode') ?? 'node';
  if (mode !== 'node' && mode !== 'ramdisk') throw new UsageError('--mode must be node or ramdisk');
  return {
    server: need('server'),
    caFile: need('ca-file'),
    caUrl: get('ca-url'),
    caSha256: get('ca-sha256')?.toLowerCase(),
    serverName: get('server-name'),
    nodeId: need('node-id'),
    token: token || undefined,
    // Absolute: executors spawn scripts from here with other working directories.
    stateDir: path.resolve(get('state-dir') ?? '/var/lib/undercloud-agent'),
    mode,
    root: get('root') ?? '/',
    dryRun: values['dry-run'] === true || fromFile['dry-run'] === 'true',
  };
}

export function usage(): string {
  return `usage: undercloud-agent --server HOST:PORT --ca-file CA.crt [--ca-url URL --ca-sha256 HEX] --node-id NODE [--token TOKEN | --token-file FILE]
         [--state-dir DIR] [--mode node|ramdisk] [--root DIR] [--dry-run] [--server-name NAME]
         [--config agent.conf] [--cmdline /proc/cmdline]
`;
}
