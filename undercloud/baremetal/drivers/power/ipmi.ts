/**
 * IPMI through ipmitool (lanplus). driver_info: ipmi_address, ipmi_port (623), ipmi_username, ipmi_password.
 * The password goes through the environment (-E reads IPMI_PASSWORD), never argv, so `ps` cannot show it.
 */
import type { DriverTask, ManagementInterface, PowerInterface } from '../interfaces.js';
import type { BootDevice, Node, PowerState } from '../../node.js';
import { BmcError, DriverInfoError } from '../../errors.js';
import { runCommand, CommandMissingError, type CommandRunner } from '../run-command.js';
import { redactValue } from '../../../daemon/logging.js';

// Session set-up failures and timeouts come and go with BMC load; bad credentials do not.
const TRANSIENT = /Unable to establish|timeout|Insufficient resources|Unable to get|Get Session Challenge|no response|Connection refused/i;
const PERMANENT = /RAKP|Invalid user name|password|Unauthorized|privilege/i;

let runner: CommandRunner = runCommand;
/** For tests: swap the command runner. */
export function setIpmiRunner(r: CommandRunner): void {
  runner = r;
}

function validate(node: Node): void {
  if (!node.driverInfo.ipmi_address) throw new DriverInfoError(node.name, 'ipmi_address', 'is required');
  const port = node.driverInfo.ipmi_port;
  if (port !== undefined && !/^\d+$/.test(port)) throw new DriverInfoError(node.name, 'ipmi_port', `"${port}" is not a port number`);
}

export async function ipmitool(task: DriverTask, args: string[], signal: AbortSignal): Promise<string> {
  const di = task.node.driverInfo;
  const password = di.ipmi_password ?? '';
  if (password) redactValue(password);
  const base = ['-I', 'lanplus', '-H', di.ipmi_address!, '-p', di.ipmi_port || '623', '-U', di.ipmi_username ?? '', '-E', '-N', '1', '-R', '2'];
  let r;
  try {
    r = await runner('ipmitool', [...base, ...args], { env: { IPMI_PASSWORD: password, IPMITOOL_PASSWORD: password }, signal, timeoutMs: 20_000 });
  } catch (err) {
    if (err instanceof CommandMissingError) throw new BmcError(task.node.name, 'ipmi', err.message, false, { cause: err });
    throw new BmcError(task.node.name, 'ipmi', (err as Error).message, true, { cause: err });
  }
  if (r.code !== 0) {
    const msg = (r.stderr || r.stdout).trim().replace(/\n+/g, '; ');
    throw new BmcError(task.node.name, 'ipmi', `ipmitool ${args.join(' ')}: ${msg || `exit ${r.code}`}`, TRANSIENT.test(msg) && !PERMANENT.test(msg));
  }
  return r.stdout;
}

export const ipmiPower: PowerInterface = {
  name: 'ipmitool',
  validate,
  getState: async (task, signal) => {
    const out = await ipmitool(task, ['power', 'status'], signal);
    if (/is on/i.test(out)) return 'power on' as PowerState;
    if (/is off/i.test(out)) return 'power off' as PowerState;
    throw new BmcError(task.node.name, 'ipmi', `unexpected power status answer: ${out.trim()}`, true);
  },
  setState: async (task, want, signal) => {
    await ipmitool(task, ['power', want === 'power on' ? 'on' : 'off'], signal);
  },
  reboot: async (task, signal) => {
    await ipmitool(task, ['power', 'reset'], signal);
  },
};

const BOOTDEV: Record<BootDevice, string> = { pxe: 'pxe', disk: 'disk', cdrom: 'cdrom', bios: 'bios' };

export const ipmiManagement: ManagementInterface = {
  name: 'ipmitool',
  validate,
  getBootDevice: async (task, signal) => {
    const out = await ipmitool(task, ['chassis', 'bootparam', 'get', '5'], signal);
    const sel = /Boot Device Selector\s*:\s*(.+)/.exec(out)?.[1] ?? '';
    const device: BootDevice | undefined = /PXE/i.test(sel) ? 'pxe' : /Hard-Drive|Disk/i.test(sel) ? 'disk' : /CD|DVD/i.test(sel) ? 'cdrom' : /BIOS/i.test(sel) ? 'bios' : undefined;
    return { device, persistent: /Options apply to all future boots/i.test(out) };
  },
  setBootDevice: async (task, device, persistent, signal) => {
    await ipmitool(task, ['chassis', 'bootdev', BOOTDEV[device], ...(persistent ? ['options=persistent'] : [])], signal);
  },
};
