/**
 * libvirt domain XML for a lab node: a TCG guest (no KVM here) that boots from the network first (SeaBIOS +
 * QEMU's iPXE ROM), then its disk; ACPI on (without it a q35/pc guest's virtio disk can stay in D3cold);
 * a virtio RNG (TLS and Node's crypto need entropy early); the serial console to a file; SeaBIOS retries the
 * boot after 5 s when nothing booted (a PXE attempt before the undercloud serves DHCP). Pure, unit-tested.
 */
export interface LabNodeSpec {
  name: string;
  mac: string;
  memoryMiB: number;
  vcpus: number;
  disk: string;
  bridge: string;
  consoleLog: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');

export function labDomainXml(n: LabNodeSpec): string {
  return `<domain type='qemu'>
  <name>${esc(n.name)}</name>
  <memory unit='MiB'>${n.memoryMiB}</memory>
  <vcpu>${n.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='network'/>
    <boot dev='hd'/>
    <bios rebootTimeout='5000'/>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='unsafe'/>
      <source file='${esc(n.disk)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <mac address='${n.mac}'/>
      <source bridge='${esc(n.bridge)}'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='${esc(n.consoleLog)}' append='on'/>
      <target port='0'/>
    </serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

/** Locally administered, stable per lab and index: 52:54:00 (QEMU's OUI) + a lab byte + the index. */
export function labMac(labByte: number, index: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:00:${h(labByte & 0xff)}:${h((index >> 8) & 0xff)}:${h(index & 0xff)}`;
}
