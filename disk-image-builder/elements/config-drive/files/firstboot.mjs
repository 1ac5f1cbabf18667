// undercloud first boot: applies the config drive (labelled config-2) once, then grows the root.
// Contract with the deploy: docs/disk-image-builder.md (config drive, first boot).
// Runs on the node's Node 18 (Debian's nodejs); no dependencies.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const say = (m) => console.log(`undercloud-firstboot: ${m}`);
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...opts });
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

/** The disk and partition number of a partition device (/dev/vda2 -> /dev/vda, 2; nvme0n1p2 too). */
function diskOf(dev) {
  const name = dev.replace(/^\/dev\//, '');
  const part = Number(readFileSync(`/sys/class/block/${name}/partition`, 'utf8'));
  const disk = path.basename(path.dirname(realpathSync(`/sys/class/block/${name}`)));
  return { disk: `/dev/${disk}`, part };
}

const sizeMiB = (name) => Math.round((Number(readFileSync(`/sys/class/block/${name}/size`, 'utf8')) * 512) / 1048576);

/**
 * Grows the root partition into the free space after it (up to the next partition, e.g. the config drive
 * the deploy put at the end of the disk, or the disk's end), then the ext4 filesystem, online. With sfdisk
 * (util-linux), no growpart: cloud-guest-utils would bring python3 into the image.
 */
function growRoot() {
  try {
    const src = sh('findmnt', ['-n', '-o', 'SOURCE', '/']).trim();
    if (!src.startsWith('/dev/') || !existsSync(`/sys/class/block/${src.slice(5)}/partition`)) return say(`root ${src}: not a partition, not growing`);
    const { disk, part } = diskOf(src);
    const before = sizeMiB(src.slice(5));
    const table = JSON.parse(sh('sfdisk', ['--json', disk])).partitiontable;
    // An image written to a bigger disk has its backup GPT where the image ended: move it to the disk's
    // end first, or the space after it stays out of reach.
    if (table.label === 'gpt') sh('sfdisk', ['--relocate', 'gpt-bak-std', disk]);
    // ", +": keep the start, take all the free space that follows (up to the next partition or the end).
    sh('sfdisk', ['--no-reread', '--no-tell-kernel', '-N', String(part), disk], { input: ', +\n' });
    // The kernel still has the old size: tell it about this one partition (the others are in use).
    sh('partx', ['-u', '--nr', String(part), disk]);
    sh('resize2fs', [src]);
    const after = sizeMiB(src.slice(5));
    say(after > before ? `root filesystem grown on ${src} from ${before} to ${after} MiB` : `root filesystem on ${src}: ${after} MiB, no free space after it`);
  } catch (e) {
    say(`growing the root failed: ${String(e.stderr ?? '').trim() || e.message}`);
  }
}

/**
 * The node agent's configuration (key=value, the agent's own option names; see undercloud-agent.service):
 * /etc/undercloud-agent/agent.conf, the token and the CA in files of their own beside it.
 */
function writeAgentConfig(meta) {
  const m = meta.meta ?? {};
  const dir = '/etc/undercloud-agent';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = (file, text) => {
    writeFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600);
  };
  const endpoint = String(m.undercloud_agent_endpoint ?? '').trim();
  if (!endpoint || !meta.uuid) {
    say('no undercloud_agent_endpoint or uuid in the config drive: the node agent stays off');
    return;
  }
  const lines = ['mode=node', `server=${endpoint}`, `node-id=${meta.uuid}`, `token-file=${dir}/token`, `ca-file=${dir}/ca.crt`, 'state-dir=/var/lib/undercloud-agent'];
  if (m.undercloud_agent_token) {
    secret(`${dir}/token`, String(m.undercloud_agent_token).trim() + '\n');
    say('agent enrollment token installed');
  }
  if (m.undercloud_ca_pem) {
    writeFileSync(`${dir}/ca.crt`, String(m.undercloud_ca_pem).trim() + '\n', { mode: 0o644 });
    say('undercloud CA installed');
  }
  mkdirSync('/var/lib/undercloud-agent', { recursive: true, mode: 0o700 });
  secret(`${dir}/agent.conf`, lines.join('\n') + '\n');
  say(`agent configured: node ${meta.uuid}, daemon ${endpoint}`);
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
    writeAgentConfig(meta);
  } else {
    say('no config drive (label config-2); DHCP on every Ethernet interface');
  }
  growRoot();
  mkdirSync('/var/lib/undercloud', { recursive: true });
  writeFileSync(done, new Date().toISOString() + '\n');
}

main();
