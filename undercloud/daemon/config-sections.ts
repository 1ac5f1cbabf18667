/**
 * Domain sections of undercloud.conf ([agents], [orchestration], [baremetal], [pxe], [images], ...). Each
 * domain owns its section: a JSON Schema for the raw INI values (strings, coerced by ajv) and a compile
 * function that fills defaults. The daemon validates every section it knows and rejects unknown ones, with
 * the file, key and line. A domain adds one entry to `sections` below.
 */
import { agentsSection } from '../agents/config.js';
import { imagesSection } from '../images/config.js';
import { baremetalSection } from '../baremetal/config.js';
import { pxeSection } from '../pxe/config.js';
import { orchestrationSection } from '../orchestration/engine/config.js';

export interface ConfigSection<T = unknown> {
  readonly name: string;
  /** JSON Schema (type: object, additionalProperties: false) of the section's keys. */
  readonly schema: Record<string, unknown>;
  /** Fills defaults; `raw` is already validated and coerced. `resolvePath` makes a path absolute against the config's folder. */
  compile(raw: Record<string, unknown>, resolvePath: (p: string) => string): T;
}

export function defineSection<T>(s: ConfigSection<T>): ConfigSection<T> {
  return s;
}

/** The compiled options of a domain section (its defaults when the file has no such section). */
export function sectionOf<T>(config: { sections: Record<string, unknown> }, section: ConfigSection<T>): T {
  return config.sections[section.name] as T;
}

/** The known domain sections, by name. */
export const sections: readonly ConfigSection[] = [
  agentsSection as ConfigSection,
  imagesSection as ConfigSection,
  baremetalSection as ConfigSection,
  pxeSection as ConfigSection,
  orchestrationSection as ConfigSection,
];
