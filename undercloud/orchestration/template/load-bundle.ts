/**
 * The client side of get_file and provider templates (python-heatclient's template_utils): read the root
 * template, the environments, the roles file, every template the registry or a `type:` path names and
 * every get_file target, recursively, into a TemplateBundle. Everything must lie inside the template tree;
 * an escaping or missing reference is an error at its position. A template that exists only as
 * `NAME.j2.yaml` is rendered with the roles of roles_data.yaml and bundled as `NAME.yaml` (render-jinja.ts).
 */
import { readFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { TemplateError, TemplateErrors } from '../errors.js';
import { isTemplatePath, resolveRef } from './paths.js';
import type { Snippet, SourcePos, TemplateBundle } from './types.js';
import { parseYaml } from './yaml-source.js';
import { rawToJson } from './resolve.js';
import { jinjaSourceOf, renderJinja, type JinjaContext } from './render-jinja.js';
import { parseNetworkData } from '../roles/network-data.js';

export interface LoadBundleOptions {
  /** Environment files (-e), in order; relative to the current directory. */
  environments?: string[];
  /**
   * Environment directories (tripleoclient's --environment-directory): their *.yaml/*.yml files, in ascending
   * name order, apply before the -e files.
   */
  environmentDirectories?: string[];
  /** roles_data.yaml (-r); undefined = DIR/roles_data.yaml when present; false = none (plain HOT stack). */
  rolesData?: string | false;
  /** network_data.yaml (-n): validated here (errors at its lines), then given to the j2 templates and the daemon. */
  networksData?: string;
  /** Root template name inside the dir (default overcloud.yaml). */
  rootTemplate?: string;
  /**
   * Prepend DIR/overcloud-resource-registry.yaml when present (as tripleoclient always passes THT's
   * resource registry). Default true.
   */
  defaultRegistry?: boolean;
}

export const DEFAULT_REGISTRY = 'overcloud-resource-registry.yaml';

export async function loadBundle(templateDir: string, opts: LoadBundleOptions = {}): Promise<TemplateBundle> {
  const rootDir = path.resolve(templateDir);
  const rootTemplate = opts.rootTemplate ?? 'overcloud.yaml';
  const bundle: TemplateBundle = { rootTemplate, files: {}, environments: [], rootDir };
  const errors: TemplateError[] = [];
  const keyOf = (p: string): string => {
    const abs = path.resolve(p);
    const rel = path.relative(rootDir, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs.split(path.sep).join('/') : rel.split(path.sep).join('/');
  };
  const absOf = (key: string): string => (key.startsWith('/') ? key : path.join(rootDir, key));
  const jinja: JinjaContext = { roles: [], networks: [] };
  const read = async (key: string, from: SourcePos | undefined): Promise<string | undefined> => {
    if (bundle.files[key] !== undefined) return bundle.files[key];
    const j2 = jinjaSourceOf(key);
    if (j2 !== undefined && existsSync(absOf(j2))) {
      if (existsSync(absOf(key))) {
        errors.push(new TemplateError('TEMPLATE_RENDER', from ?? { file: key, line: 1, col: 1 }, [], `both "${key}" and "${j2}" exist: "${j2}" renders "${key}", so keep one of them`));
        return undefined;
      }
      try {
        bundle.files[key] = await renderJinja(j2, await readFile(absOf(j2), 'utf8'), jinja);
        return bundle.files[key];
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        errors.push(err);
        return undefined;
      }
    }
    try {
      const text = await readFile(absOf(key), 'utf8');
      bundle.files[key] = text;
      return text;
    } catch (err) {
      errors.push(new TemplateError('FILE_MISSING', from ?? { file: key, line: 1, col: 1 }, [], `cannot read "${key}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`));
      return undefined;
    }
  };

  const visited = new Set<string>();
  const scanTemplate = async (key: string, from: SourcePos | undefined): Promise<void> => {
    if (visited.has(key)) return;
    visited.add(key);
    const text = await read(key, from);
    if (text === undefined) return;
    const parsed = parseYaml(key, text);
    if (parsed.root === undefined) return; // parseStack reports the syntax error
    const refs: { ref: string; pos: SourcePos; kind: 'file' | 'template' }[] = [];
    collectRefs(parsed.root, refs, false);
    for (const r of refs) {
      const res = resolveRef(bundle, key, r.ref);
      if (!res.ok) {
        errors.push(new TemplateError('FILE_OUTSIDE_TREE', r.pos, [], res.reason));
        continue;
      }
      if (r.kind === 'template') await scanTemplate(res.key, r.pos);
      else await read(res.key, r.pos);
    }
  };

  const fromDirs = (opts.environmentDirectories ?? []).flatMap((d) =>
    readdirSync(d)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => path.join(d, n)),
  );
  const envs = [...fromDirs, ...(opts.environments ?? [])];
  if (opts.defaultRegistry !== false && existsSync(path.join(rootDir, DEFAULT_REGISTRY))) envs.unshift(path.join(rootDir, DEFAULT_REGISTRY));
  // The roles come first: j2 templates are rendered with them (parseStack reports an invalid roles file).
  const roles = opts.rolesData === undefined ? (existsSync(path.join(rootDir, 'roles_data.yaml')) ? 'roles_data.yaml' : undefined) : opts.rolesData === false ? undefined : keyOf(opts.rolesData);
  if (roles !== undefined) {
    const text = await read(roles, undefined);
    if (text !== undefined) {
      bundle.rolesData = roles;
      const parsed = parseYaml(roles, text).root;
      const data = parsed === undefined ? undefined : rawToJson(parsed);
      if (Array.isArray(data)) jinja.roles = data;
    }
  }
  if (opts.networksData !== undefined) {
    const key = keyOf(opts.networksData);
    const text = await read(key, undefined);
    if (text !== undefined) {
      bundle.networksData = key;
      const parsed = parseNetworkData(text, key);
      errors.push(...parsed.errors);
      jinja.networks = parsed.jinja;
    }
  }
  await scanTemplate(rootTemplate, undefined);
  for (const env of envs) {
    const key = keyOf(env);
    bundle.environments.push(key);
    const text = await read(key, undefined);
    if (text === undefined) continue;
    const parsed = parseYaml(key, text);
    if (parsed.root?.kind !== 'map') continue;
    const registry = parsed.root.entries.find((e) => e.key === 'resource_registry')?.value;
    if (registry?.kind !== 'map') continue;
    const targets: { ref: string; pos: SourcePos }[] = [];
    for (const e of registry.entries) {
      if (e.key === 'resources' && e.value.kind === 'map') {
        for (const r of e.value.entries) {
          if (r.value.kind !== 'map') continue;
          for (const m of r.value.entries) if (m.value.kind === 'literal' && typeof m.value.value === 'string' && isTemplatePath(m.value.value)) targets.push({ ref: m.value.value, pos: m.value.pos });
        }
      } else if (e.value.kind === 'literal' && typeof e.value.value === 'string' && isTemplatePath(e.value.value)) targets.push({ ref: e.value.value, pos: e.value.pos });
    }
    for (const t of targets) {
      const res = resolveRef(bundle, key, t.ref);
      if (!res.ok) errors.push(new TemplateError('FILE_OUTSIDE_TREE', t.pos, [], res.reason));
      else await scanTemplate(res.key, t.pos);
    }
  }
  if (errors.length > 0) throw new TemplateErrors(errors);
  return bundle;
}

/** get_file targets and template-path resource types in a template's raw tree. */
function collectRefs(s: Snippet, out: { ref: string; pos: SourcePos; kind: 'file' | 'template' }[], inResources: boolean): void {
  if (s.kind === 'list') s.items.forEach((i) => collectRefs(i, out, false));
  if (s.kind !== 'map') return;
  if (s.entries.length === 1 && s.entries[0]?.key === 'get_file') {
    const v = s.entries[0].value;
    if (v.kind === 'literal' && typeof v.value === 'string') out.push({ ref: v.value, pos: v.pos, kind: 'file' });
    return;
  }
  const typeRef = (m: Snippet): void => {
    const type = m.kind === 'map' ? m.entries.find((x) => x.key === 'type')?.value : undefined;
    if (type?.kind === 'literal' && typeof type.value === 'string' && isTemplatePath(type.value)) out.push({ ref: type.value, pos: type.pos, kind: 'template' });
  };
  for (const e of s.entries) {
    if (inResources) typeRef(e.value);
    // ResourceGroup's member definition names its type the same way.
    if (e.key === 'resource_def') typeRef(e.value);
    collectRefs(e.value, out, e.key === 'resources');
  }
}
