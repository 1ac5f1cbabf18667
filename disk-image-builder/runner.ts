/**
 * Builds one image from its definition: resolve elements, walk the phase table, then write the disk
 * (GPT, ESP, root) or pack the ramdisk, convert, checksum and write the manifest. Progress is reported
 * per phase and per step through `onEvent`, and every step's duration goes into the timing summary.
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_BUNDLE_IN_REPO, resolveAgentBundle } from './agent-bundle.js';
import { fstab, partition, planLayout, writeEsp, writeRoot, type DiskLayout } from './block-device.js';
import { cachePaths, defaultCacheDir, offlineMissing, rootfsCacheKey, type RootfsKeyInput } from './cache.js';
import { ElementLibrary, type Element } from './element.js';
import { expandElements } from './element-dependencies.js';
import { MissingElementError, OfflineCacheMissError } from './errors.js';
import { run } from './exec.js';
import { hostMirror } from './host-mirror.js';
import type { ImageDefinition } from './image-definition.js';
import { sha256File, writeOutputs, type ManifestOutput } from './outputs.js';
import { phaseScripts, runPhase, stageHooks, unstageHooks } from './phase-exec.js';
import { PHASES, type Phase, type PhaseName, type PhaseScript } from './phases.js';
import { packRamdisk, zstdLevel } from './ramdisk.js';

/** The bundled elements: found from this module whether it runs from source or from dist/. */
export const DEFAULT_ELEMENTS_DIR = findUp(path.dirname(fileURLToPath(import.meta.url)), 'disk-image-builder/elements');

/**
 * The node agent bundle `npm run build` makes, in the repository this module belongs to (from source or
 * from dist/ alike): the default for DIB_AGENT_BUNDLE.
 */
export const DEFAULT_AGENT_BUNDLE = path.join(path.dirname(path.dirname(DEFAULT_ELEMENTS_DIR)), AGENT_BUNDLE_IN_REPO);

function findUp(from: string, rel: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, rel);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.join(from, rel);
  }
}

export type BuildEvent =
  | { type: 'step-start'; step: string }
  | { type: 'step-end'; step: string; seconds: number }
  | { type: 'script'; phase: PhaseName; element: string; script: string }
  | { type: 'cache'; hit: boolean; key: string };

export interface BuildOptions {
  outputDir: string;
  elementPaths?: string[];
  cacheDir?: string;
  offline?: boolean;
  /** Drop into a shell before this phase (`--break before-install`). */
  breakBefore?: PhaseName;
  /** Drop into a shell when a phase fails (`--break after-error`). */
  breakAfterError?: boolean;
  /** Called at a break point; the default opens an interactive shell. */
  onBreak?: (point: string, env: NodeJS.ProcessEnv, inChroot: boolean) => Promise<void>;
  onEvent?: (e: BuildEvent) => void;
  onOutput?: (chunk: string) => void;
  keepBuildDir?: boolean;
  signal?: AbortSignal;
}

export interface BuildResult {
  name: string;
  outputs: ManifestOutput[];
  manifestPath: string;
  logPath: string;
  timings: { step: string; seconds: number }[];
  seconds: number;
  cacheHit: boolean;
}

/** Resolves a definition's elements against the element paths (exported for `--dry-run` and tests). */
export function resolveElements(def: ImageDefinition, elementPaths: readonly string[]): { elements: Element[]; provided: Record<string, string> } {
  const lib = new ElementLibrary(elementPaths);
  const { order, provided } = expandElements(def.elements, (n) => lib.find(n), elementPaths);
  return { elements: order.map((n) => { const e = lib.find(n); if (!e) throw new MissingElementError(n, [], elementPaths); return e; }), provided };
}

export async function buildImage(def: ImageDefinition, options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const elementPaths = [...(options.elementPaths ?? []), ...(process.env.ELEMENTS_PATH?.split(':').filter(Boolean) ?? []), DEFAULT_ELEMENTS_DIR];
  const { elements, provided } = resolveElements(def, elementPaths);
  // Before anything else: a build that would end without its agent fails now, not after the bootstrap.
  const agentBundle = resolveAgentBundle(elements.map((e) => e.name), def.environment.DIB_AGENT_BUNDLE ?? process.env.DIB_AGENT_BUNDLE, DEFAULT_AGENT_BUNDLE);
  const ramdiskLevel = def.ramdisk ? zstdLevel(def.environment.DIB_RAMDISK_ZSTD_LEVEL ?? process.env.DIB_RAMDISK_ZSTD_LEVEL) : undefined;
  mkdirSync(options.outputDir, { recursive: true });
  const logPath = path.join(options.outputDir, `${def.imagename}.log`);
  const log = createWriteStream(logPath);
  const work = path.join(options.outputDir, `.build-${def.imagename}`);
  rmSync(work, { recursive: true, force: true });
  const targetRoot = path.join(work, 'root');
  const espDir = path.join(work, 'esp');
  for (const d of [targetRoot, espDir, path.join(work, 'hooks')]) mkdirSync(d, { recursive: true });
  const runOpts = { log, signal: options.signal, onOutput: options.onOutput };
  const timings: { step: string; seconds: number }[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    options.onEvent?.({ type: 'step-start', step: name });
    const t0 = Date.now();
    const r = await fn();
    const seconds = (Date.now() - t0) / 1000;
    timings.push({ step: name, seconds });
    options.onEvent?.({ type: 'step-end', step: name, seconds });
    return r;
  };

  // The base root filesystem's cache key: what the operating-system element bootstraps from.
  const env0 = def.environment;
  const release = env0.DIB_RELEASE ?? process.env.DIB_RELEASE ?? 'bookworm';
  const mirror = env0.DIB_DEBIAN_MIRROR ?? process.env.DIB_DEBIAN_MIRROR ?? hostMirror();
  const packages = [...new Set(elements.flatMap((e) => e.packages.filter((p) => !p.uninstall).map((p) => p.name)))].sort();
  const osElement = elements.find((e) => e.name === provided['operating-system']);
  const keyInput: RootfsKeyInput = { mirror, release, variant: env0.DIB_DEBIAN_VARIANT ?? 'minbase', packages, bootstrapScripts: [...(osElement?.phases['root.d'] ?? []).map((s) => s.path), ...elements.flatMap((e) => overlayFiles(e.dir))] };
  const key = rootfsCacheKey(keyInput);
  const cache = cachePaths(options.cacheDir ?? process.env.DIB_IMAGE_CACHE ?? defaultCacheDir(), key);
  mkdirSync(cache.aptArchives, { recursive: true });
  mkdirSync(path.dirname(cache.rootfsTar), { recursive: true });
  const cacheHit = existsSync(cache.rootfsTar);
  options.onEvent?.({ type: 'cache', hit: cacheHit, key });
  if (options.offline) {
    const missing = offlineMissing(cache, keyInput);
    if (missing.length > 0) throw new OfflineCacheMissError(missing);
  }

  let layout: DiskLayout | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env, ...def.environment,
    ARCH: 'amd64', IMAGE_NAME: def.imagename, IMAGE_ELEMENT: elements.map((e) => e.name).join(' '),
    TARGET_ROOT: targetRoot, TMP_BUILD_DIR: work, TMP_HOOKS_PATH: path.join(work, 'hooks'),
    DIB_RELEASE: release, DIB_DEBIAN_MIRROR: mirror, DIB_PACKAGES: packages.join(' '),
    DIB_ROOTFS_CACHE: cache.rootfsTar, DIB_APT_ARCHIVES: cache.aptArchives, DIB_OFFLINE: options.offline ? '1' : '0',
    DIB_BOOTSTRAP_OVERLAYS: elements.map((e) => path.join(e.dir, 'bootstrap-overlay')).filter((d) => existsSync(d)).join(' '),
    DIB_ESP_DIR: espDir, DIB_ROOT_LABEL: def.rootLabel, DIB_RAMDISK: def.ramdisk ? '1' : '0',
    ...(agentBundle ? { DIB_AGENT_BUNDLE: agentBundle } : {}),
  };
  const doBreak = async (point: string, inChroot: boolean) => {
    if (options.onBreak) await options.onBreak(point, env, inChroot);
  };
  const runOne = async (phase: Phase, scripts: PhaseScript[]) => {
    if (options.breakBefore === phase.name) await doBreak(`before-${phase.name.replace(/\.d$/, '')}`, phase.inChroot);
    if (phase.inChroot) stageHooks(targetRoot, elements);
    try {
      await runPhase(phase, scripts, elements, env, { ...runOpts, onScript: (p, s) => options.onEvent?.({ type: 'script', phase: p.name, element: s.element, script: s.name }) });
    } catch (err) {
      if (options.breakAfterError) await doBreak(`after-error in ${phase.name}`, phase.inChroot);
      throw err;
    } finally {
      if (phase.inChroot) unstageHooks(targetRoot);
    }
  };

  let outputs: ManifestOutput[] = [];
  let manifestPath = '';
  let failed: unknown;
  try {
    for (const phase of PHASES) {
      if (phase.name === 'cleanup.d') break;
      if (phase.name === 'block-device.d') {
        if (!def.ramdisk) {
          layout = await step('block-device (partition, ESP)', async () => {
            const sizeKiB = Number((await run('du', ['-sk', '--exclude=./proc', '--exclude=./sys', targetRoot], { ...runOpts, capture: true })).split(/\s/)[0]);
            const l = planLayout({ espSizeMiB: def.espSizeMiB, rootSizeMiB: Math.ceil((sizeKiB * 1.15) / 1024) + def.rootExtraMiB, imageSizeMiB: def.imageSizeMiB, rootLabel: def.rootLabel });
            const raw = path.join(work, 'disk.raw');
            await partition(raw, l, runOpts);
            await writeEsp(raw, work, espDir, l, runOpts);
            writeFileSync(path.join(targetRoot, 'etc', 'fstab'), fstab(l));
            Object.assign(env, { IMAGE_BLOCK_DEVICE: raw, DIB_ESP_OFFSET: String(l.esp.startMiB * 1024 * 1024), DIB_ROOT_PARTUUID: l.root.partuuid, DIB_ESP_PARTUUID: l.esp.partuuid });
            return l;
          });
        }
      }
      const scripts = phaseScripts(elements, phase);
      if (scripts.length === 0 && options.breakBefore !== phase.name) continue;
      const label = phase.name === 'root.d' ? `root.d (${cacheHit ? 'cached base' : 'bootstrap'})` : phase.name;
      await step(label, () => runOne(phase, scripts));
    }
    // A root without dpkg (a non-Debian operating-system element) simply has no package list.
    const hasDpkg = existsSync(path.join(targetRoot, 'usr', 'bin', 'dpkg-query'));
    const pkgList = await step('manifest (package list)', () => (hasDpkg ? run('chroot', [targetRoot, 'dpkg-query', '-W', '-f', '${Package}\t${Version}\n'], { ...runOpts, capture: true }) : Promise.resolve('')));
    const agentInImage = path.join(targetRoot, 'opt', 'undercloud-agent', 'undercloud-agent.cjs');
    const agent = agentBundle && existsSync(agentInImage) ? { source: agentBundle, size: statSync(agentInImage).size, sha256: await sha256File(agentInImage) } : undefined;
    if (def.ramdisk) {
      outputs = await step('ramdisk (pack initramfs)', () => packRamdisk(targetRoot, options.outputDir, def.imagename, runOpts, ramdiskLevel));
    } else {
      const l = layout!;
      await step('root filesystem (mkfs.ext4 -d)', () => writeRoot(env.IMAGE_BLOCK_DEVICE!, work, targetRoot, l, runOpts));
    }
    const result = await step('outputs (convert, sha256, manifest)', () =>
      writeOutputs({
        def, outputDir: options.outputDir, raw: def.ramdisk ? undefined : env.IMAGE_BLOCK_DEVICE, ramdiskOutputs: outputs,
        manifest: {
          elements: elements.map((e) => e.name), provided, release, mirror, cacheKey: key, cacheHit,
          agent,
          packages: pkgList.split('\n').filter(Boolean).map((l) => { const [name, version] = l.split('\t'); return { name: name!, version: version ?? '' }; }),
          layout: layout && { totalMiB: layout.totalMiB, espMiB: layout.esp.sizeMiB, rootMiB: layout.root.sizeMiB, rootPartuuid: layout.root.partuuid, espPartuuid: layout.esp.partuuid, rootLabel: layout.root.label },
          timings, startedAt: new Date(started).toISOString(),
        },
      }, runOpts),
    );
    outputs = result.outputs;
    manifestPath = result.manifestPath;
  } catch (err) {
    failed = err;
  } finally {
    const cleanup = PHASES.find((p) => p.name === 'cleanup.d')!;
    const scripts = phaseScripts(elements, cleanup);
    try {
      if (scripts.length > 0) await step('cleanup.d', () => runPhase(cleanup, scripts, elements, env, runOpts));
    } catch (err) {
      failed ??= err;
    }
    if (!options.keepBuildDir && !failed) await step('remove build folder', async () => rmSync(work, { recursive: true, force: true }));
    await new Promise<void>((r) => log.end(r));
  }
  if (failed) throw failed;
  return { name: def.imagename, outputs, manifestPath, logPath, timings, seconds: (Date.now() - started) / 1000, cacheHit };
}

/** Files an element puts into the root before packages are installed (part of the cache key). */
function overlayFiles(elementDir: string): string[] {
  const dir = path.join(elementDir, 'bootstrap-overlay');
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile()).sort();
}

/** Sizes of the files in a folder, for tests and the summary. */
export function fileSizes(dir: string): Record<string, number> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).size]));
}
