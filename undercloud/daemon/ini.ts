/**
 * A small INI reader that keeps line numbers, for undercloud.conf (TripleO's format: `[DEFAULT]` and one
 * section per subnet). We parse it ourselves because the `ini` package drops positions, and every config
 * error must name the file, the key and its line.
 */
import { ConfigError } from '../errors.js';

export interface IniEntry {
  value: string;
  line: number;
}

/** section -> key -> entry. Keys before any section header belong to DEFAULT. */
export type IniDocument = Map<string, Map<string, IniEntry>> & { sectionLines?: Map<string, number> };

export function parseIni(text: string, file: string): { doc: Map<string, Map<string, IniEntry>>; sectionLines: Map<string, number> } {
  const doc = new Map<string, Map<string, IniEntry>>();
  const sectionLines = new Map<string, number>();
  let section = 'DEFAULT';
  doc.set(section, new Map());
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const m = /^\[([^\]]+)\]$/.exec(line);
      if (!m) throw new ConfigError(file, undefined, lineNo, `malformed section header ${JSON.stringify(line)}`);
      section = m[1]!.trim();
      if (doc.has(section) && section !== 'DEFAULT') throw new ConfigError(file, `[${section}]`, lineNo, 'section appears twice');
      if (!doc.has(section)) doc.set(section, new Map());
      sectionLines.set(section, lineNo);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(file, undefined, lineNo, `expected "key = value", got ${JSON.stringify(line)}`);
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
      value = value.slice(1, -1);
    }
    const sec = doc.get(section)!;
    if (sec.has(key)) throw new ConfigError(file, key, lineNo, `set twice in [${section}] (first on line ${sec.get(key)!.line})`);
    sec.set(key, { value, line: lineNo });
  }
  return { doc, sectionLines };
}
