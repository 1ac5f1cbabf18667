/**
 * Pure extent arithmetic for the writer: snap source extents to the target's minimum block size (a
 * partly-zero block is data), merge neighbours, and cut the result into requests.
 */

/** A range of the image: `zero` ranges read as zeros and are never sent as data. */
export interface SourceExtent {
  offset: number;
  length: number;
  zero: boolean;
}

/**
 * Makes every boundary between a zero and a data range a multiple of `align` (except the image end):
 * zero ranges shrink inwards, data grows outwards, gaps and overlaps become data, neighbours merge.
 */
export function alignExtents(extents: readonly SourceExtent[], size: number, align: number): SourceExtent[] {
  const out: SourceExtent[] = [];
  const push = (offset: number, end: number, zero: boolean) => {
    if (end <= offset) return;
    const last = out[out.length - 1];
    if (last && last.zero === zero && last.offset + last.length === offset) last.length = end - last.offset;
    else out.push({ offset, length: end - offset, zero });
  };
  let at = 0;
  for (const e of extents) {
    const start = Math.max(e.offset, at);
    const end = Math.min(e.offset + e.length, size);
    if (end <= start) continue;
    if (!e.zero) {
      push(at, end, false);
      at = end;
      continue;
    }
    const zs = Math.ceil(start / align) * align;
    const ze = end === size ? end : Math.floor(end / align) * align;
    if (ze <= zs) continue; // too small to be zero on its own: the next data range absorbs it
    push(at, zs, false);
    push(zs, ze, true);
    at = ze;
  }
  push(at, size, false);
  return out;
}

/** A unit of work for the writer: at most `max` bytes, data cut at multiples of `grid` from offset 0. */
export function* splitExtents(extents: Iterable<SourceExtent>, grid: number, maxZero: number): Generator<SourceExtent> {
  for (const e of extents) {
    const end = e.offset + e.length;
    let at = e.offset;
    while (at < end) {
      const next = e.zero ? Math.min(end, at + maxZero) : Math.min(end, (Math.floor(at / grid) + 1) * grid);
      yield { offset: at, length: next - at, zero: e.zero };
      at = next;
    }
  }
}

/** The part of `extents` at or after `from` (used to resume after a reconnect). */
export function extentsFrom(extents: readonly SourceExtent[], from: number): SourceExtent[] {
  const out: SourceExtent[] = [];
  for (const e of extents) {
    const end = e.offset + e.length;
    if (end <= from) continue;
    const start = Math.max(e.offset, from);
    out.push({ offset: start, length: end - start, zero: e.zero });
  }
  return out;
}
