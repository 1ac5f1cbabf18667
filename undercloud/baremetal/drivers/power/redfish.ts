/**
 * Redfish over HTTP(S) with undici. driver_info: redfish_address (http[s]://host[:port]), redfish_system_id
 * (/redfish/v1/Systems/ID; default: the only system), redfish_username, redfish_password, redfish_verify_ca
 * ("false" to accept any certificate). Power is ComputerSystem.Reset; boot device is the boot source override.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { DriverTask, ManagementInterface, PowerInterface } from '../interfaces.js';
import type { BootDevice, Node, PowerState } from '../../node.js';
import { BmcError, DriverInfoError } from '../../errors.js';
import { redactValue } from '../../../daemon/logging.js';

const insecureAgent = new Agent({ connect: { rejectUnauthorized: false } });

function validate(node: Node): void {
  const a = node.driverInfo.redfish_address;
  if (!a) throw new DriverInfoError(node.name, 'redfish_address', 'is required');
  if (!/^https?:\/\/[^/]+/.test(a)) throw new DriverInfoError(node.name, 'redfish_address', `"${a}" must be an http:// or https:// URL`);
  const s = node.driverInfo.redfish_system_id;
  if (s !== undefined && !s.startsWith('/redfish/v1/Systems/')) throw new DriverInfoError(node.name, 'redfish_system_id', `"${s}" must start with /redfish/v1/Systems/`);
}

async function call(task: DriverTask, method: Dispatcher.HttpMethod, path: string, signal: AbortSignal, body?: unknown): Promise<unknown> {
  const di = task.node.driverInfo;
  const url = new URL(path, di.redfish_address);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (di.redfish_username) {
    if (di.redfish_password) redactValue(di.redfish_password);
    headers.authorization = 'Basic ' + Buffer.from(`${di.redfish_username}:${di.redfish_password ?? ''}`).toString('base64');
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await request(url, {
      method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.any([signal, AbortSignal.timeout(20_000)]),
      ...(di.redfish_verify_ca === 'false' ? { dispatcher: insecureAgent } : {}),
    });
  } catch (err) {
    throw new BmcError(task.node.name, 'redfish', `${method} ${url.pathname}: ${(err as Error).message}`, true, { cause: err });
  }
  const text = await res.body.text();
  if (res.statusCode >= 400) {
    const detail = extractMessage(text) ?? text.slice(0, 200);
    // 5xx and 429 are the BMC being busy; 4xx are our request being wrong (or bad credentials).
    throw new BmcError(task.node.name, 'redfish', `${method} ${url.pathname}: HTTP ${res.statusCode}${detail ? `: ${detail}` : ''}`, res.statusCode >= 500 || res.statusCode === 429);
  }
  return text ? (JSON.parse(text) as unknown) : {};
}

function extractMessage(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: { message?: string; '@Message.ExtendedInfo'?: { Message?: string }[] } };
    return j.error?.['@Message.ExtendedInfo']?.[0]?.Message ?? j.error?.message;
  } catch {
    return undefined;
  }
}

const systemPaths = new Map<string, string>();

/** The system's path: from driver info, or the only member of /redfish/v1/Systems. */
async function systemPath(task: DriverTask, signal: AbortSignal): Promise<string> {
  const explicit = task.node.driverInfo.redfish_system_id;
  if (explicit) return explicit;
  const key = task.node.driverInfo.redfish_address!;
  const cached = systemPaths.get(key);
  if (cached) return cached;
  const col = (await call(task, 'GET', '/redfish/v1/Systems', signal)) as { Members?: { '@odata.id': string }[] };
  const members = col.Members ?? [];
  if (members.length !== 1) throw new DriverInfoError(task.node.name, 'redfish_system_id', `is required: the BMC has ${members.length} systems`);
  systemPaths.set(key, members[0]!['@odata.id']);
  return members[0]!['@odata.id'];
}

async function reset(task: DriverTask, type: string, signal: AbortSignal): Promise<void> {
  const sys = await systemPath(task, signal);
  await call(task, 'POST', `${sys}/Actions/ComputerSystem.Reset`, signal, { ResetType: type });
}

export const redfishPower: PowerInterface = {
  name: 'redfish',
  validate,
  getState: async (task, signal) => {
    const sys = (await call(task, 'GET', await systemPath(task, signal), signal)) as { PowerState?: string };
    if (sys.PowerState === 'On' || sys.PowerState === 'PoweringOff') return 'power on' as PowerState;
    if (sys.PowerState === 'Off' || sys.PowerState === 'PoweringOn') return 'power off' as PowerState;
    throw new BmcError(task.node.name, 'redfish', `unknown PowerState ${JSON.stringify(sys.PowerState)}`, true);
  },
  setState: (task, want, signal) => reset(task, want === 'power on' ? 'On' : 'ForceOff', signal),
  reboot: (task, signal) => reset(task, 'ForceRestart', signal),
};

const TARGETS: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };
const FROM_TARGET: Record<string, BootDevice> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios' };

export const redfishManagement: ManagementInterface = {
  name: 'redfish',
  validate,
  getBootDevice: async (task, signal) => {
    const sys = (await call(task, 'GET', await systemPath(task, signal), signal)) as { Boot?: { BootSourceOverrideTarget?: string; BootSourceOverrideEnabled?: string } };
    const t = sys.Boot?.BootSourceOverrideTarget;
    const en = sys.Boot?.BootSourceOverrideEnabled;
    return { device: t && en !== 'Disabled' ? FROM_TARGET[t] : undefined, persistent: en === undefined ? undefined : en === 'Continuous' };
  },
  setBootDevice: async (task, device, persistent, signal) => {
    const sys = await systemPath(task, signal);
    await call(task, 'PATCH', sys, signal, { Boot: { BootSourceOverrideTarget: TARGETS[device], BootSourceOverrideEnabled: persistent ? 'Continuous' : 'Once' } });
  },
};
