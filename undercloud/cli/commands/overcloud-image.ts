/**
 * `overcloud image build|list|show|upload`. `build` runs the image builder here, in the CLI process
 * (as TripleO's does), with per-step progress and a timing summary; `upload` registers the products
 * with the daemon's image store; `list`/`show` read that store.
 */
import { InvalidArgumentError, type Command } from 'commander';
import path from 'node:path';
import { buildImage, breakShell, DEFAULT_ELEMENTS_DIR, InvalidImageDefinitionError, loadImageDefinitions, phaseFromBreakName, type BuildEvent, type BuildOptions, type BuildResult } from '../../../disk-image-builder/index.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { registerImageStoreCommands } from './overcloud-image-store.js';

const DEFAULT_DEFINITIONS = path.join(DEFAULT_ELEMENTS_DIR, '..', 'overcloud-images.yaml');

/**
 * `--config` is also the global undercloud.conf option, so `image build --config overcloud-images.yaml`
 * lands there; a YAML file given that way is taken as the image definitions (TripleO's spelling).
 */
function definitionsFile(cmd: Command, configFile: string | undefined): string {
  if (configFile) return configFile;
  const global = (cmd.optsWithGlobals() as { config?: string }).config;
  return global && /\.ya?ml$/.test(global) ? global : DEFAULT_DEFINITIONS;
}

function parseBreak(v: string): { before?: BuildOptions['breakBefore']; afterError?: boolean } {
  if (v === 'after-error') return { afterError: true };
  const m = /^before-(.+)$/.exec(v);
  const phase = m ? phaseFromBreakName(m[1]!) : undefined;
  if (!phase) throw new InvalidArgumentError('expected before-PHASE (e.g. before-install) or after-error');
  return { before: phase };
}

function progress(name: string, verbose: boolean): (e: BuildEvent) => void {
  return (e) => {
    if (e.type === 'cache') process.stderr.write(`[${name}] base root filesystem cache ${e.hit ? 'hit' : 'miss'} (${e.key})\n`);
    else if (e.type === 'step-start') process.stderr.write(`[${name}] ${e.step} ...\n`);
    else if (e.type === 'step-end') process.stderr.write(`[${name}] ${e.step} done in ${e.seconds.toFixed(1)} s\n`);
    else if (verbose) process.stderr.write(`[${name}]   ${e.phase} ${e.element}/${e.script}\n`);
  };
}

export function register(program: Command): void {
  const image = program.command('image').description('build overcloud images and register them with the undercloud');
  image
    .command('build')
    .description('build the golden image and the deploy ramdisk from an image definition file')
    .option('--config-file <file>', 'image definitions, diskimage-builder YAML (also accepted as --config FILE.yaml); default: the bundled overcloud-images.yaml')
    .option('--output-dir <dir>', 'where the images go', '.')
    .option('--image <name...>', 'build only these entries')
    .option('--offline', 'use only the cache; fail naming what is missing', false)
    .option('--cache-dir <dir>', 'the build cache (default ~/.cache/undercloud/disk-image-builder)')
    .option('--elements-path <dir...>', 'extra element folders, searched before the bundled ones')
    .option('--break <point>', 'before-PHASE or after-error: open a shell there', parseBreak)
    .option('--keep-build-dir', 'keep the build folder (image root) after a successful build', false)
    .option('-v, --verbose', 'print each phase script and its output', false)
    .action(async (opts: { configFile?: string; outputDir: string; image?: string[]; offline: boolean; cacheDir?: string; elementsPath?: string[]; break?: ReturnType<typeof parseBreak>; keepBuildDir: boolean; verbose: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const file = definitionsFile(cmd, opts.configFile);
      const defs = loadImageDefinitions(file).filter((d) => !opts.image || opts.image.includes(d.imagename));
      if (defs.length === 0) throw new InvalidImageDefinitionError(file, `no image named ${opts.image?.join(', ')}`);
      const ac = new AbortController();
      const onSig = () => ac.abort(new Error('interrupted'));
      process.once('SIGINT', onSig);
      const results: BuildResult[] = [];
      try {
        for (const def of defs) {
          results.push(await buildImage(def, {
            outputDir: path.resolve(opts.outputDir), offline: opts.offline, cacheDir: opts.cacheDir, elementPaths: opts.elementsPath,
            breakBefore: opts.break?.before, breakAfterError: opts.break?.afterError, onBreak: breakShell,
            keepBuildDir: opts.keepBuildDir, signal: ac.signal, onEvent: progress(def.imagename, opts.verbose),
            onOutput: opts.verbose ? (s) => process.stderr.write(s) : undefined,
          }));
        }
      } finally {
        process.removeListener('SIGINT', onSig);
      }
      const rows = results.flatMap((r) => [...r.timings.map((t) => ({ image: r.name, step: t.step, seconds: t.seconds.toFixed(1) })), { image: r.name, step: 'total', seconds: r.seconds.toFixed(1) }]);
      const data = results.map((r) => ({ name: r.name, seconds: r.seconds, cache_hit: r.cacheHit, manifest: r.manifestPath, outputs: r.outputs, timings: r.timings }));
      out(renderData(data, g.format, () =>
        renderTable(rows, [{ header: 'Image', get: (r) => r.image }, { header: 'Step', get: (r) => r.step }, { header: 'Seconds', get: (r) => r.seconds }]) + '\n' +
        renderTable(results.flatMap((r) => r.outputs.map((o) => ({ ...o, image: r.name }))), [
          { header: 'Image', get: (o) => o.image }, { header: 'File', get: (o) => o.file }, { header: 'Format', get: (o) => o.format },
          { header: 'Size', get: (o) => o.size }, { header: 'SHA-256', get: (o) => o.sha256 },
        ])));
    });
  registerImageStoreCommands(image);
}
