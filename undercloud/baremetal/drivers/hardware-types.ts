/**
 * Hardware types compose interfaces; they implement nothing (Ironic's drivers/generic.py). The first entry
 * of each list is the default. Fake boot/deploy/inspect are offered as non-default choices on real hardware
 * types so a node with a real BMC can be exercised before the agent-based steps exist (`deploy_interface`).
 */
import type { BootInterface, DeployInterface, InspectInterface, ManagementInterface, PowerInterface } from './interfaces.js';
import { fakePower } from './power/fake.js';
import { ipmiManagement, ipmiPower } from './power/ipmi.js';
import { redfishManagement, redfishPower } from './power/redfish.js';
import { libvirtManagement, libvirtPower } from './power/libvirt/index.js';
import { fakeManagement } from './management/fake.js';
import { fakeBoot } from './boot/fake.js';
import { ipxeBoot } from './boot/ipxe.js';
import { fakeDeploy } from './deploy/fake.js';
import { directDeploy } from './deploy/direct.js';
import { fakeInspect } from './inspect/fake.js';
import { agentInspect } from './inspect/agent.js';

export interface HardwareType {
  readonly name: string;
  readonly power: readonly PowerInterface[];
  readonly management: readonly ManagementInterface[];
  readonly boot: readonly BootInterface[];
  readonly deploy: readonly DeployInterface[];
  readonly inspect: readonly InspectInterface[];
}

export const ipmiHw: HardwareType = {
  name: 'ipmi', power: [ipmiPower], management: [ipmiManagement], boot: [ipxeBoot, fakeBoot], deploy: [directDeploy, fakeDeploy], inspect: [agentInspect, fakeInspect],
};

export const redfishHw: HardwareType = {
  name: 'redfish', power: [redfishPower], management: [redfishManagement], boot: [ipxeBoot, fakeBoot], deploy: [directDeploy, fakeDeploy], inspect: [agentInspect, fakeInspect],
};

export const libvirtHw: HardwareType = {
  name: 'libvirt', power: [libvirtPower], management: [libvirtManagement], boot: [ipxeBoot, fakeBoot], deploy: [directDeploy, fakeDeploy], inspect: [agentInspect, fakeInspect],
};

export const fakeHw: HardwareType = {
  // Agent-based deploy and inspect as non-default choices: a fake BMC with a real agent (tests, or nodes
  // powered by hand) still gets the real inventory, image write and config drive.
  name: 'fake-hardware', power: [fakePower], management: [fakeManagement], boot: [fakeBoot, ipxeBoot], deploy: [fakeDeploy, directDeploy], inspect: [fakeInspect, agentInspect],
};
