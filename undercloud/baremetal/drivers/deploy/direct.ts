/**
 * The agent-based deploy (Ironic's `direct` deploy, with our NBD twist): the ramdisk agent reports its disks,
 * the root disk is chosen by the node's root device hints, the agent exports it over NBD, the daemon's
 * writer streams the image onto it and verifies it, and the agent writes the config drive (hostname, SSH
 * keys, network, and a fresh enrollment token for the installed system's node agent). Cleaning wipes
 * every disk the agent reports: metadata (first and last MiB) by default, everything on request.
 * The service boots the ramdisk and waits for its agent before calling these (ramdiskAgent = true).
 */
import type { DeployInterface, DriverTask } from '../interfaces.js';
import { AGENTS_NOT_RUNNING, NotAvailableError } from '../../errors.js';
import { runAgentStep, type AgentServices } from '../../agent/agent-services.js';
import { chooseRootDevice, type InventoryDisk, type RootDeviceHints } from '../../agent/root-device.js';
import { configDriveFiles, publicKeysOf, type InstanceInfo } from '../../agent/config-drive.js';
import { AgentNotConnectedError } from '../../errors.js';

const STEP_TIMEOUT_MS = 10 * 60_000;

function services(task: DriverTask, what: string): AgentServices {
  if (!task.agent) throw new NotAvailableError(task.node.name, what, AGENTS_NOT_RUNNING);
  return task.agent;
}

/** Step ids: per node, operation and kind, so a re-dispatch after a daemon restart re-attaches. */
function stepId(task: DriverTask, kind: string, extra = ''): string {
  return `bm-${task.node.id}-${kind}${extra}-${Date.now().toString(36)}`;
}

export async function inventoryOf(task: DriverTask, svc: AgentServices, signal: AbortSignal): Promise<{ disks: InventoryDisk[]; macs: string[]; raw: Record<string, unknown> }> {
  const r = await runAgentStep(svc, task.node, { id: stepId(task, 'inventory'), kind: 'inventory', timeoutMs: 2 * 60_000, retry: { maxAttempts: 2 } }, signal, task.log);
  const inv = (r.outputs.inventory ?? {}) as { disks?: InventoryDisk[]; interfaces?: { mac?: string }[] };
  const macs = (inv.interfaces ?? []).map((i) => i.mac ?? '').filter((m) => m !== '' && m !== '00:00:00:00:00:00');
  return { disks: inv.disks ?? [], macs, raw: r.outputs.inventory as Record<string, unknown> };
}

async function rootDevice(task: DriverTask, svc: AgentServices, signal: AbortSignal): Promise<{ device: string; macs: string[] }> {
  const { disks, macs } = await inventoryOf(task, svc, signal);
  const disk = chooseRootDevice(disks, task.node.properties.rootDevice as RootDeviceHints | undefined, task.node.name);
  task.log.info('root device chosen', { device: `/dev/${disk.name}`, sizeBytes: disk.sizeBytes });
  return { device: `/dev/${disk.name}`, macs };
}

async function writeImage(task: DriverTask, svc: AgentServices, device: string, signal: AbortSignal): Promise<void> {
  const info = task.node.instanceInfo as InstanceInfo;
  if (!info.image_source) throw new NotAvailableError(task.node.name, 'deploy', 'the node has no instance_info.image_source (the image to write)');
  const image = svc.resolveImage(info.image_source);
  const exp = await runAgentStep(svc, task.node, { id: stepId(task, 'disk_export'), kind: 'disk_export', params: { device, port: svc.nbdPort, tool: 'nbdkit' }, timeoutMs: 60_000, retry: { maxAttempts: 2 } }, signal, task.log);
  const address = svc.hub.session(task.node.id)?.address;
  if (!address) throw new AgentNotConnectedError(task.node.name, 'ramdisk', 'its session ended before the image could be written');
  const target = `nbd://${address.includes(':') ? `[${address}]` : address}:${Number(exp.outputs.port ?? svc.nbdPort)}/`;
  svc.progress(task.node, { phase: 'write image', message: `writing ${image.name} (${image.format}, ${image.size} bytes) to ${device} over ${target}`, data: { image: image.name, target } });
  let lastReport = 0;
  const result = await svc.writeImage({
    source: image.path, sourceFormat: image.format, target, verify: true, signal,
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastReport < 2000 && p.bytes < p.total) return;
      lastReport = now;
      const pct = p.total > 0 ? Math.floor((p.bytes / p.total) * 100) : 0;
      svc.progress(task.node, { phase: p.phase === 'verify' ? 'verify image' : 'write image', message: `${p.phase} ${pct}% (${(p.rate / 1e6).toFixed(1)} MB/s${p.eta !== undefined ? `, ETA ${Math.round(p.eta)} s` : ''})`, data: { bytes: p.bytes, total: p.total, rate: p.rate, eta: p.eta ?? null } });
    },
    log: (message, fields) => task.log.info(message, fields),
  });
  task.log.info('image written', { image: image.name, bytes: result.bytesWritten, dataBytes: result.dataBytes, verified: result.verified, digest: result.digest, seconds: result.writeSeconds + result.verifySeconds });
  svc.progress(task.node, { phase: 'image written', message: `${image.name} written and ${result.verified ? 'verified' : 'not verified'} in ${(result.writeSeconds + result.verifySeconds).toFixed(1)} s`, data: { bytes: result.bytesWritten, dataBytes: result.dataBytes, digest: result.digest } });
  task.update?.({ instanceInfo: { ...task.node.instanceInfo, root_device: device, image_digest: result.digest, image_written_at: new Date().toISOString() } });
}

async function writeConfigDrive(task: DriverTask, svc: AgentServices, device: string, macs: string[], signal: AbortSignal): Promise<void> {
  const info = task.node.instanceInfo as InstanceInfo;
  // The installed system's agent enrolls with its own one-time token; the ramdisk's certificate dies with it.
  const { token } = svc.hub.issueEnrollmentToken(task.node.id, svc.tokenTtlSeconds);
  const files = configDriveFiles({
    node: task.node, hostname: info.hostname ?? task.node.name, publicKeys: publicKeysOf(info), macs,
    agentEndpoint: svc.agentEndpoint, agentToken: token, caPem: svc.caPem,
  });
  await runAgentStep(svc, task.node, { id: stepId(task, 'config_drive'), kind: 'config_drive', params: { device, files }, timeoutMs: 2 * 60_000, retry: { maxAttempts: 2 } }, signal, task.log);
}

export const directDeploy: DeployInterface = {
  name: 'direct',
  ramdiskAgent: true,
  validate: () => undefined,
  deploy: async (task, signal) => {
    const svc = services(task, 'deploy');
    const { device, macs } = await rootDevice(task, svc, signal);
    await writeImage(task, svc, device, signal);
    await writeConfigDrive(task, svc, device, macs, signal);
  },
  tearDown: async () => undefined,
  clean: async (task, mode, signal) => {
    const svc = services(task, 'cleaning');
    const { disks } = await inventoryOf(task, svc, signal);
    for (const d of disks) {
      svc.progress(task.node, { phase: 'clean', message: `${mode === 'full' ? 'erasing' : 'wiping the metadata of'} /dev/${d.name}` });
      await runAgentStep(svc, task.node, { id: stepId(task, 'disk_wipe', `-${d.name}`), kind: 'disk_wipe', params: { device: `/dev/${d.name}`, mode: mode === 'full' ? 'full' : 'quick' }, timeoutMs: mode === 'full' ? 6 * 60 * 60_000 : STEP_TIMEOUT_MS }, signal, task.log);
    }
  },
};
