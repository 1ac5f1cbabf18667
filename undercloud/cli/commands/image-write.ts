/**
 * `undercloud image write IMAGE URI`: writes a raw or qcow2 image to any NBD export named by an NBD URI,
 * with the deploy path's writer (same verification, progress and exit codes). It runs in the CLI process
 * rather than through the daemon: the operator's host is the one with the image and the route to the server.
 * Progress: a bar on a terminal, plain lines on stderr otherwise, JSON lines with --format json.
 * The writer and the progress bar are imported when the command runs (`--help` loads this module to
 * register it), and the command tunes V8 for a process that only writes an image (nbd/process-tuning.ts;
 * with the CLI's lazy command modules, 91 -> 61-63 MiB peak writing + verifying a 20 GiB image; docs/nbd.md
 * "Memory").
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { WriteImageResult, WriteProgress } from '../../nbd/writer.js';
import type { TlsCredentials } from '../../nbd/handshake.js';
import { InvalidError } from '../../errors.js';
import { renderData, renderFields } from '../common/output.js';
import { globals, out } from '../common/program.js';

interface WriteOpts {
  imageFormat: 'auto' | 'raw' | 'qcow2';
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsHostname?: string;
  connections?: string;
  verify: boolean;
  targetIsZero: boolean;
  expectedDigest?: string;
  timeout: string;
  retries: string;
}

const MB = 1e6;

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidError('CLI_USAGE', `--${name} must be a non-negative integer, got ${v}`);
  return n;
}

function readPem(what: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InvalidError('CLI_USAGE', `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

function tlsOptions(o: WriteOpts): TlsCredentials | undefined {
  const ca = readPem('--tls-ca', o.tlsCa);
  const cert = readPem('--tls-cert', o.tlsCert);
  const key = readPem('--tls-key', o.tlsKey);
  if (!ca && !cert && !key && !o.tlsHostname) return undefined;
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(o.tlsHostname ? { servername: o.tlsHostname } : {}) };
}

const fmtEta = (s: number | undefined) => (s === undefined || !Number.isFinite(s) ? '?' : `${Math.round(s)}s`);

/** A progress sink for the chosen output: bar (TTY), plain lines, JSON lines, or nothing (yaml). */
async function progressSink(format: string): Promise<{ update: (p: WriteProgress) => void; stop: () => void }> {
  if (format === 'json') return { update: (p) => out(JSON.stringify({ event: 'progress', ...p }) + '\n'), stop: () => undefined };
  if (format !== 'table') return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar({ format: '{phase} [{bar}] {percentage}% {done}/{all} MB {rate} MB/s eta {eta_s}s', hideCursor: true }, cliProgress.Presets.shades_classic);
    let phase = '';
    return {
      update: (p) => {
        const payload = { phase: p.phase, done: (p.bytes / MB).toFixed(0), all: (p.total / MB).toFixed(0), rate: (p.rate / MB).toFixed(0) };
        if (p.phase !== phase) {
          if (phase) bar.stop();
          phase = p.phase;
          bar.start(p.total, p.bytes, payload);
        } else bar.update(p.bytes, payload);
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 1000 && p.bytes < p.total) return;
      last = now;
      const pct = p.total > 0 ? Math.floor((100 * p.bytes) / p.total) : 100;
      process.stderr.write(`${p.phase} ${pct}% ${(p.bytes / MB).toFixed(0)}/${(p.total / MB).toFixed(0)} MB ${(p.rate / MB).toFixed(0)} MB/s eta ${fmtEta(p.eta)}\n`);
    },
    stop: () => undefined,
  };
}

const view = (r: WriteImageResult) => ({
  bytes_written: r.bytesWritten, data_bytes: r.dataBytes, zero_bytes: r.zeroBytes, format: r.format, digest: r.digest,
  digest_algorithm: r.digestAlgorithm, verified: r.verified, connections: r.connections, reconnects: r.reconnects,
  write_seconds: Math.round(r.writeSeconds * 1000) / 1000, verify_seconds: Math.round(r.verifySeconds * 1000) / 1000,
});

export function register(program: Command): void {
  const image = program.commands.find((c) => c.name() === 'image') ?? program.command('image').description('disk images: write them to NBD exports');
  image
    .command('write')
    .description('write a raw or qcow2 IMAGE to the NBD export URI (nbd://host[:port]/export, nbds://..., nbd+unix:///export?socket=PATH), then verify it by reading back')
    .argument('<image>', 'image file (raw or qcow2)')
    .argument('<uri>', 'NBD URI of the target export')
    .addOption(new Option('--image-format <format>', 'format of IMAGE').choices(['auto', 'raw', 'qcow2']).default('auto'))
    .option('--tls-ca <file>', 'CA certificate (PEM) that signed the server certificate (nbds)')
    .option('--tls-cert <file>', 'client certificate (PEM) to present (nbds)')
    .option('--tls-key <file>', 'client key (PEM) (nbds)')
    .option('--tls-hostname <name>', 'name the server certificate must carry')
    .option('--connections <n>', 'connections when the server allows several (CAN_MULTI_CONN); default one per core, 1 to 4')
    .option('--no-verify', 'do not read the target back to verify the digest')
    .option('--target-is-zero', 'the target already reads as zeros: skip zero ranges', false)
    .option('--expected-digest <hex>', 'the image digest (sha256-tree-1m) if known: no hashing while writing; the read-back must match it')
    .option('--timeout <seconds>', 'timeout of every wait on the server', '30')
    .option('--retries <n>', 'reconnect attempts after a dropped connection', '5')
    .action(async (file: string, uri: string, o: WriteOpts, cmd: Command) => {
      const g = globals(cmd);
      // Before the writer is loaded: this process now does nothing but write the image.
      const { tuneWriterProcess } = await import('../../nbd/process-tuning.js');
      tuneWriterProcess();
      const { writeImage } = await import('../../nbd/writer.js');
      const ac = new AbortController();
      const onSigint = () => ac.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const sink = await progressSink(g.format);
      try {
        const tls = tlsOptions(o);
        const r = await writeImage({
          source: file, sourceFormat: o.imageFormat, target: uri, ...(tls ? { tls } : {}), ...(o.connections !== undefined ? { connections: positiveInt('connections', o.connections) } : {}),
          verify: o.verify, targetIsZero: o.targetIsZero, ...(o.expectedDigest ? { expectedDigest: o.expectedDigest } : {}),
          timeoutMs: positiveInt('timeout', o.timeout) * 1000, retries: positiveInt('retries', o.retries), signal: ac.signal, onProgress: sink.update,
          log: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields)}\n`),
        });
        sink.stop();
        if (g.format === 'json') out(JSON.stringify({ event: 'result', ...view(r) }) + '\n');
        else out(renderData(view(r), g.format, () => renderFields(view(r))));
      } finally {
        sink.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
