import { describe, expect, it } from 'vitest';
import { firstBootDevice, setBootDevice } from '../../../../../../undercloud/baremetal/drivers/power/libvirt/boot-xml.js';

const xml = `<domain type='qemu'>
  <name>n0</name>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <devices>
    <interface type='bridge'><source bridge='br0'/><boot order='1'/></interface>
  </devices>
</domain>`;

describe('libvirt boot device XML', () => {
  it('reads the first <os><boot dev>', () => {
    expect(firstBootDevice(xml)).toBe('disk');
    expect(firstBootDevice('<domain><os><type>hvm</type></os></domain>')).toBeUndefined();
  });

  it('puts the wanted device first, keeps a fallback, and drops per-device boot order', () => {
    const out = setBootDevice(xml, 'pxe');
    expect(firstBootDevice(out)).toBe('pxe');
    expect(out).toContain("<boot dev='network'/>\n    <boot dev='hd'/>");
    expect(out).not.toContain('boot order');
    expect(out).toContain("<type arch='x86_64' machine='pc'>hvm</type>");
    const back = setBootDevice(out, 'disk');
    expect(firstBootDevice(back)).toBe('disk');
    expect(back.match(/<boot dev=/g)).toHaveLength(2);
  });
});
