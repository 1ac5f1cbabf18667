// undercloud first boot: applies the config drive (labelled config-2) once, then grows the root.
// Runs on the node's Node 18 (Debian's nodejs); no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';

const say = (m) => console.log(`undercloud-firstboot: ${m}`);
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const done = '/var/lib/undercloud/firstboot.done';

function findConfigDrive() {
  try {
    return sh('blkid', ['-t', 'LABEL=config-2', '-o', 'device']).split('\n').filter(Boolean)[0];
  } catch {
    return undefined;
  }
}

function readDrive(dev) {
  const mnt = '/run/undercloud/config-drive';
  mkdirSync(mnt, { recursive: true });
  sh('mount', ['-o', 'ro', dev, mnt]);
  try {
    const read = (f) => (existsSync(`${mnt}/openstack/latest/${f}`) ? JSON.parse(readFileSync(`${mnt}/openstack/latest/${f}`, 'utf8')) : undefined);
    return { meta: read('meta_data.json') ?? {}, network: read('network_data.json') };
  } finally {
    sh('umount', [mnt]);
  }
}

function prefix(netmask) {
  return netmask.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).split('1').length - 1, 0);
}

function writeNetwork(network) {
  const dir = '/etc/systemd/network';
  mkdirSync(dir, { recursive: true });
  const dns = (network.services ?? []).filter((s) => s.type === 'dns').map((s) => `DNS=${s.address}`);
  for (const net of network.networks ?? []) {
    const link = (network.links ?? []).find((l) => l.id === net.link);
    const match = link?.ethernet_mac_address ? `MACAddress=${link.ethernet_mac_address}` : 'Name=en* eth*';
    const lines = ['[Match]', match, '', '[Network]', ...dns];
    if (net.type === 'ipv4_dhcp' || net.type === 'ipv6_dhcp') lines.push('DHCP=yes');
    else {
      lines.push(`Address=${net.ip_address}/${prefix(net.netmask ?? '255.255.255.0')}`);
      for (const r of net.routes ?? []) if (r.network === '0.0.0.0') lines.push(`Gateway=${r.gateway}`);
    }
    writeFileSync(`${dir}/10-${net.id ?? net.link}.network`, lines.join('\n') + '\n');
  }
  say(`network: ${(network.networks ?? []).length} network(s) configured`);
}

function growRoot() {
  try {
    const src = sh('findmnt', ['-n', '-o', 'SOURCE', '/']).trim();
    const m = /^(\/dev\/(?:[a-z]+|nvme\d+n\d+))p?(\d+)$/.exec(src);
    if (!m) return say(`root ${src}: not growing`);
    try {
      sh('growpart', [m[1], m[2]]);
    } catch (e) {
      if (!String(e.stdout ?? '').includes('NOCHANGE')) throw e;
    }
    sh('resize2fs', [src]);
    const sectors = Number(readFileSync(`/sys/class/block/${src.slice(5)}/size`, 'utf8'));
    say(`root filesystem grown on ${src} to ${Math.round((sectors * 512) / 1048576)} MiB`);
  } catch (e) {
    say(`growing the root failed: ${e.message}`);
  }
}

function main() {
  if (existsSync(done)) return;
  const dev = findConfigDrive();
  if (dev) {
    const { meta, network } = readDrive(dev);
    say(`config drive ${dev}`);
    if (meta.hostname) {
      const host = String(meta.hostname).split('.')[0];
      writeFileSync('/etc/hostname', host + '\n');
      try { sh('hostname', [host]); } catch { /* the name applies at next boot */ }
      say(`hostname ${host}`);
    }
    const keys = Object.values(meta.public_keys ?? {});
    if (keys.length > 0) {
      mkdirSync('/root/.ssh', { recursive: true, mode: 0o700 });
      writeFileSync('/root/.ssh/authorized_keys', keys.map((k) => String(k).trim()).join('\n') + '\n', { mode: 0o600 });
      say(`${keys.length} ssh key(s) for root`);
    }
    if (network) writeNetwork(network);
    const m = meta.meta ?? {};
    mkdirSync('/etc/undercloud-agent', { recursive: true, mode: 0o700 });
    writeFileSync('/etc/undercloud-agent/agent.json', JSON.stringify({ mode: 'node', nodeUuid: meta.uuid ?? '', endpoint: m.undercloud_agent_endpoint ?? '', token: m.undercloud_agent_token ?? '', caPem: m.undercloud_ca_pem ?? '' }, null, 2) + '\n');
    chmodSync('/etc/undercloud-agent/agent.json', 0o600);
    if (m.undercloud_agent_token) say('agent enrollment token installed');
  } else {
    say('no config drive (label config-2); DHCP on every Ethernet interface');
  }
  growRoot();
  mkdirSync('/var/lib/undercloud', { recursive: true });
  writeFileSync(done, new Date().toISOString() + '\n');
}

main();
