/**
 * The Debian mirror the build host itself uses, read from its deb822 sources file, so a build uses the
 * same (possibly local or proxied) mirror as `apt-get` on the host does. The first `deb` stanza whose
 * suites name a plain release (not -security) wins.
 */
import { existsSync, readFileSync } from 'node:fs';

export const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

export function mirrorFromSources(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    const suites = (fields.get('suites') ?? '').split(/\s+/);
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    if (types.includes('deb') && uri && suites.some((s) => s.length > 0 && !s.endsWith('-security'))) return uri.replace(/\/+$/, '');
  }
  return undefined;
}

export function hostMirror(file = '/etc/apt/sources.list.d/debian.sources'): string {
  if (!existsSync(file)) return FALLBACK_MIRROR;
  return mirrorFromSources(readFileSync(file, 'utf8')) ?? FALLBACK_MIRROR;
}
