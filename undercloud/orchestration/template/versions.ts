/**
 * heat_template_version values. Versions are data: each function says since/removedIn (functions/), and
 * a template's version is compared as its canonical date. Release names are aliases of their date.
 */
export interface HotVersion {
  date: string;
  alias?: string;
}

export const HOT_VERSIONS: readonly HotVersion[] = [
  { date: '2013-05-23' },
  { date: '2014-10-16' },
  { date: '2015-04-30' },
  { date: '2015-10-15' },
  { date: '2016-04-08' },
  { date: '2016-10-14', alias: 'newton' },
  { date: '2017-02-24', alias: 'ocata' },
  { date: '2017-09-01', alias: 'pike' },
  { date: '2018-03-02', alias: 'queens' },
  { date: '2018-08-31', alias: 'rocky' },
  { date: '2021-04-16', alias: 'wallaby' },
];

/** The canonical date of a version string or release name; undefined when unknown. */
export function parseVersion(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const hit = HOT_VERSIONS.find((h) => h.date === v || h.alias === v);
  return hit?.date;
}

/** ISO dates compare as strings. */
export function versionAtLeast(version: string, since: string): boolean {
  return version >= since;
}

export function versionNames(): string[] {
  return HOT_VERSIONS.flatMap((h) => (h.alias ? [h.date, h.alias] : [h.date]));
}
