/**
 * Boot device in domain XML: libvirt has no "set boot device" call, so we rewrite `<os><boot dev=.../></os>`.
 * Per-device `<boot order=.../>` elements conflict with `<os><boot>` (libvirt refuses both), so they go.
 * Pure string functions (libvirt's XML is regular enough here), unit-tested.
 */
import type { BootDevice } from '../../../node.js';

const TO_LIBVIRT: Record<BootDevice, string> = { pxe: 'network', disk: 'hd', cdrom: 'cdrom', bios: 'hd' };
const FROM_LIBVIRT: Record<string, BootDevice> = { network: 'pxe', hd: 'disk', cdrom: 'cdrom' };

export function firstBootDevice(xml: string): BootDevice | undefined {
  const os = /<os\b[^>]*>([\s\S]*?)<\/os>/.exec(xml)?.[1] ?? '';
  const dev = /<boot\s+dev=['"]([a-z]+)['"]/.exec(os)?.[1];
  return dev === undefined ? undefined : FROM_LIBVIRT[dev];
}

export function setBootDevice(xml: string, device: BootDevice): string {
  const withoutOrders = xml.replace(/\s*<boot\s+order=['"]\d+['"]\s*\/>/g, '');
  const m = /(<os\b[^>]*>)([\s\S]*?)(<\/os>)/.exec(withoutOrders);
  if (!m) throw new Error('domain XML has no <os> element');
  const inner = m[2]!.replace(/\s*<boot\s+dev=['"][a-z]+['"]\s*\/>/g, '');
  // The first <boot dev> is tried first; the other stays as a fallback so a node is never unbootable.
  const fallback = device === 'pxe' ? 'hd' : 'network';
  const boots = `\n    <boot dev='${TO_LIBVIRT[device]}'/>\n    <boot dev='${fallback}'/>`;
  const newInner = inner.replace(/\s*$/, '') + boots + '\n  ';
  return withoutOrders.slice(0, m.index) + m[1] + newInner + m[3] + withoutOrders.slice(m.index + m[0].length);
}
