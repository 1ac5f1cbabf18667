import { describe, expect, it } from 'vitest';
import { labMac } from '../../../undercloud/lab/domain-xml.js';
import { LAB_STORAGE_POOL, labVagrantCommand, labVagrantEnv } from '../../../undercloud/lab/lab.js';

const lab = { name: 'lab', dir: '/var/lib/undercloud-lab/lab', bridge: 'br-ctlplane', libvirtUri: 'qemu+unix:///system?socket=/var/lib/undercloud-lab/lab/libvirt/run/libvirt-sock', instackenv: '/var/lib/undercloud-lab/lab/instackenv.json', storagePool: 'default' };

describe('the vagrant settings of a lab with no nodes', () => {
  it('point vagrant/Vagrantfile at the lab libvirtd, bridge, pool, folder and instackenv.json', () => {
    expect(labVagrantEnv(lab)).toEqual({
      UNDERCLOUD_LIBVIRT_URI: lab.libvirtUri,
      UNDERCLOUD_LAB_NAME: 'lab',
      UNDERCLOUD_BRIDGE: 'br-ctlplane',
      UNDERCLOUD_MAC_PREFIX: expect.stringMatching(/^52:54:00:[0-9a-f]{2}$/),
      UNDERCLOUD_STORAGE_POOL: 'default',
      UNDERCLOUD_CONSOLE_DIR: lab.dir,
      UNDERCLOUD_INSTACKENV: lab.instackenv,
    });
  });

  it('give the MACs the lab would give its own nodes (the Vagrantfile appends the index as two octets)', () => {
    const prefix = labVagrantEnv(lab).UNDERCLOUD_MAC_PREFIX!;
    const own = labMac(Number.parseInt(prefix.slice(9), 16), 0);
    expect(`${prefix}:00:00`).toBe(own);
    expect(labVagrantEnv({ ...lab, name: 'other' }).UNDERCLOUD_MAC_PREFIX).not.toBe(prefix);
  });

  it('default the pool for labs recorded before pools existed', () => {
    const { storagePool: _omit, ...old } = lab;
    expect(labVagrantEnv(old).UNDERCLOUD_STORAGE_POOL).toBe(LAB_STORAGE_POOL);
  });

  it('make a shell command that quotes the URI and runs vagrant up with the libvirt provider', () => {
    const cmd = labVagrantCommand(lab, '/opt/undercloud/vagrant');
    expect(cmd.startsWith('VAGRANT_CWD=/opt/undercloud/vagrant UNDERCLOUD_LIBVIRT_URI=')).toBe(true);
    expect(cmd).toContain(`UNDERCLOUD_LIBVIRT_URI='${lab.libvirtUri}'`);
    expect(cmd).toContain(' UNDERCLOUD_BRIDGE=br-ctlplane ');
    expect(cmd.endsWith(' vagrant up --provider libvirt')).toBe(true);
    expect(labVagrantCommand({ ...lab, dir: "/tmp/it's" })).toContain(`UNDERCLOUD_CONSOLE_DIR='/tmp/it'\\''s'`);
    expect(labVagrantCommand(lab)).not.toContain('VAGRANT_CWD');
  });
});
