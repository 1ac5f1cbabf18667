/**
 * Breakpoints (Heat's hooks): the environment's `resource_registry: resources: NAME: hooks: [pre-create, ...]`
 * pauses a resource before (or after) its action until the operator clears the hook with a signal
 * (`overcloud stack hook clear`, Heat's `openstack stack hook clear`). Rules match a resource's path from
 * the root stack, one fnmatch pattern per level, as Heat matches nested `resources:` entries. Pending
 * hooks live in memory: a daemon restarted during a pause walks to the resource again and pauses again.
 */
import type { HookRule, HookType } from '../environment/types.js';
import { HOOK_TYPES } from '../environment/types.js';
import { HookInvalidError } from './errors.js';

export function parseHook(v: unknown): HookType | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !(HOOK_TYPES as readonly string[]).includes(v)) throw new HookInvalidError(String(v));
  return v as HookType;
}

const globCache = new Map<string, RegExp>();

/** Python's fnmatch.fnmatchcase: `*`, `?`, `[seq]`, `[!seq]`. */
export function globMatch(pattern: string, name: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === name;
  let re = globCache.get(pattern);
  if (!re) {
    let src = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '*') src += '[\\s\\S]*';
      else if (c === '?') src += '[\\s\\S]';
      else if (c === '[') {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) src += '\\[';
        else {
          let body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
          if (body.startsWith('!')) body = '^' + body.slice(1);
          src += `[${body}]`;
          i = end;
        }
      } else src += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`);
    globCache.set(pattern, re);
  }
  return re.test(name);
}

export function pathMatches(pattern: readonly string[], path: readonly string[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => globMatch(p, path[i]!));
}

/** True when a rule sets `hook` on the resource at `path`. */
export function hasHook(rules: readonly HookRule[], path: readonly string[], hook: HookType): boolean {
  for (const r of rules) if (r.hooks.includes(hook) && pathMatches(r.path, path)) return true;
  return false;
}

interface Pending {
  rootId: string;
  path: string[];
  hook: HookType;
  release: () => void;
}

export class Breakpoints {
  private readonly pending = new Map<string, Pending>();

  /** Waits until the hook is cleared, or rejects with the signal's reason. */
  wait(rootId: string, path: readonly string[], hook: HookType, signal: AbortSignal): Promise<void> {
    const key = `${rootId}\u0000${path.join('/')}\u0000${hook}`;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.pending.delete(key);
        reject(signal.reason);
      };
      this.pending.set(key, {
        rootId, path: [...path], hook,
        release: () => {
          signal.removeEventListener('abort', onAbort);
          this.pending.delete(key);
          resolve();
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Clears the pending hooks (of type `hook`, or any) of resources whose path matches `pattern`; returns what it cleared. */
  clear(rootId: string, pattern: readonly string[], hook?: HookType): { path: string[]; hook: HookType }[] {
    const cleared: { path: string[]; hook: HookType }[] = [];
    for (const p of [...this.pending.values()]) {
      if (p.rootId !== rootId || (hook !== undefined && p.hook !== hook) || !pathMatches(pattern, p.path)) continue;
      cleared.push({ path: p.path, hook: p.hook });
      p.release();
    }
    return cleared;
  }

  /** The hooks a stack tree is paused at. */
  list(rootId: string): { path: string[]; hook: HookType }[] {
    return [...this.pending.values()].filter((p) => p.rootId === rootId).map((p) => ({ path: p.path, hook: p.hook }));
  }
}
