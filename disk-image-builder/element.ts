/**
 * An element on disk: a directory named after the element with phase folders (install.d/50-name),
 * element-deps, element-provides, environment.d/ and package-installs.yaml, as in diskimage-builder.
 * Loading reads and checks the files; nothing here runs anything.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidElementError } from './errors.js';
import { PHASE_NAMES, SCRIPT_NAME, type PhaseName } from './phases.js';

export interface PackageInstall {
  name: string;
  /** Only for these phases of the build (diskimage-builder's `phase:`); default install.d. */
  phase: PhaseName;
  /** Remove rather than install (`uninstall: true`). */
  uninstall: boolean;
}

export interface Element {
  name: string;
  dir: string;
  deps: string[];
  provides: string[];
  phases: Partial<Record<PhaseName, { name: string; path: string }[]>>;
  /** Files sourced before every phase script, in file-name order. */
  environment: string[];
  packages: PackageInstall[];
}

/** Reads a one-name-per-line file (element-deps, element-provides); `#` starts a comment. */
export function readNameList(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l.length > 0);
}

/**
 * Parses package-installs.yaml: a map from package name to nothing, or to options
 * (`phase: pre-install.d`, `uninstall: true`). A list of names is accepted too.
 */
export function parsePackageInstalls(element: string, text: string): PackageInstall[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InvalidElementError(element, `package-installs.yaml: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  const entries: [string, unknown][] = Array.isArray(doc) ? doc.map((n) => [String(n), null]) : typeof doc === 'object' ? Object.entries(doc as Record<string, unknown>) : [];
  if (entries.length === 0 && typeof doc !== 'object') throw new InvalidElementError(element, 'package-installs.yaml must be a map of package names');
  return entries.map(([name, opts]) => {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new InvalidElementError(element, `package-installs.yaml: bad package name ${JSON.stringify(name)}`);
    const o = (opts ?? {}) as { phase?: unknown; uninstall?: unknown };
    if (typeof o !== 'object') throw new InvalidElementError(element, `package-installs.yaml: ${name}: options must be a map`);
    const phase = o.phase === undefined ? 'install.d' : String(o.phase);
    if (!(PHASE_NAMES as readonly string[]).includes(phase)) throw new InvalidElementError(element, `package-installs.yaml: ${name}: unknown phase ${phase}`);
    return { name, phase: phase as PhaseName, uninstall: o.uninstall === true };
  });
}

export function loadElement(dir: string): Element {
  const name = path.basename(dir);
  const phases: Element['phases'] = {};
  for (const phase of PHASE_NAMES) {
    const pdir = path.join(dir, phase);
    if (!existsSync(pdir)) continue;
    const scripts: { name: string; path: string }[] = [];
    for (const f of readdirSync(pdir).sort()) {
      const full = path.join(pdir, f);
      if (!statSync(full).isFile()) continue;
      if (f.endsWith('~') || f.startsWith('.') || f === 'README.md') continue;
      if (!SCRIPT_NAME.test(f)) throw new InvalidElementError(name, `${phase}/${f}: script names must be NN-name`);
      try {
        accessSync(full, constants.X_OK);
      } catch {
        throw new InvalidElementError(name, `${phase}/${f} is not executable`);
      }
      scripts.push({ name: f, path: full });
    }
    phases[phase] = scripts;
  }
  const envDir = path.join(dir, 'environment.d');
  const environment = existsSync(envDir) ? readdirSync(envDir).sort().filter((f) => !f.startsWith('.')).map((f) => path.join(envDir, f)) : [];
  const pkgFile = path.join(dir, 'package-installs.yaml');
  const packages = existsSync(pkgFile) ? parsePackageInstalls(name, readFileSync(pkgFile, 'utf8')) : [];
  return { name, dir, deps: readNameList(path.join(dir, 'element-deps')), provides: readNameList(path.join(dir, 'element-provides')), phases, environment, packages };
}

/** Finds elements by name in an ordered list of element paths; the first path that has it wins. */
export class ElementLibrary {
  private readonly cache = new Map<string, Element | null>();
  constructor(readonly paths: readonly string[]) {}

  find(name: string): Element | undefined {
    if (this.cache.has(name)) return this.cache.get(name) ?? undefined;
    for (const p of this.paths) {
      const dir = path.join(p, name);
      if (existsSync(dir) && statSync(dir).isDirectory()) {
        const el = loadElement(dir);
        this.cache.set(name, el);
        return el;
      }
    }
    this.cache.set(name, null);
    return undefined;
  }
}
