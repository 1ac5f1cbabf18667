/**
 * The build phases, in the order diskimage-builder runs them, with where each runs: outside the image
 * root (on the build host, with $TARGET_ROOT pointing at it) or inside it (chroot, hooks visible at
 * /tmp/in_target.d). One table; the runner walks it and nothing else encodes the order.
 *
 * One deliberate difference from diskimage-builder: finalise.d runs in the image root directory, not in
 * a mounted image, because we never mount; the root filesystem is written from that directory after it.
 */
export const PHASES = [
  { name: 'root.d', inChroot: false, doc: 'create or unpack the base root filesystem' },
  { name: 'extra-data.d', inChroot: false, doc: 'copy data from the host into $TMP_HOOKS_PATH' },
  { name: 'pre-install.d', inChroot: true, doc: 'prepare package sources and configuration' },
  { name: 'install.d', inChroot: true, doc: 'install and configure software' },
  { name: 'post-install.d', inChroot: true, doc: 'enable services, last changes that need the installed software' },
  { name: 'post-root.d', inChroot: false, doc: 'read from the finished root (kernel, boot files)' },
  { name: 'block-device.d', inChroot: false, doc: 'adjust the partitioned disk ($IMAGE_BLOCK_DEVICE)' },
  { name: 'pre-finalise.d', inChroot: false, doc: 'last changes from outside before finalise' },
  { name: 'finalise.d', inChroot: true, doc: 'clean-ups inside the final root' },
  { name: 'cleanup.d', inChroot: false, doc: 'tidy the build area; runs even when the build fails' },
] as const;

export type PhaseName = (typeof PHASES)[number]['name'];
export type Phase = (typeof PHASES)[number];

export const PHASE_NAMES: readonly PhaseName[] = PHASES.map((p) => p.name);

export function isPhaseName(s: string): s is PhaseName {
  return (PHASE_NAMES as readonly string[]).includes(s);
}

/** `before-install` -> `install.d`, as diskimage-builder's `break=` accepts phase names without `.d`. */
export function phaseFromBreakName(s: string): PhaseName | undefined {
  const name = s.endsWith('.d') ? s : `${s}.d`;
  return isPhaseName(name) ? name : undefined;
}

/** A phase script's name: two digits, a dash, then letters, digits, dashes, dots or underscores. */
export const SCRIPT_NAME = /^[0-9][0-9]-[A-Za-z0-9._-]+$/;

export interface PhaseScript {
  /** The file name, which decides the order (NN-name). */
  name: string;
  element: string;
  path: string;
}

/**
 * The scripts of one phase across all elements, sorted by file name as diskimage-builder sorts them
 * (so `10-a` of one element runs before `20-b` of another). When two elements ship the same file name,
 * the element later in the list wins, which is how an element overrides a dependency's script.
 */
export function orderPhaseScripts(perElement: readonly { element: string; scripts: readonly { name: string; path: string }[] }[]): PhaseScript[] {
  const byName = new Map<string, PhaseScript>();
  for (const { element, scripts } of perElement) {
    for (const s of scripts) byName.set(s.name, { name: s.name, element, path: s.path });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
