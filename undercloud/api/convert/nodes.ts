/** Bare-metal domain types -> generated proto types. Secrets are masked before they get here (service.masked). */
import type { HistoryEntry as ProtoHistory, Node as ProtoNode } from '../../../proto/gen/undercloud/v1/baremetal.js';
import type { HistoryEntry, Node, Port } from '../../baremetal/node.js';
import { maskDriverInfo } from '../../baremetal/node.js';

export function nodeToProto(n: Node, ports: Port[] = []): ProtoNode {
  return {
    id: n.id, name: n.name, driver: n.driver, interfaces: { ...n.interfaces },
    // Masked again here: this is the last point before the wire, and masking twice is harmless.
    driverInfo: maskDriverInfo(n.driverInfo),
    provisionState: n.provisionState, targetProvisionState: n.targetProvisionState ?? '',
    powerState: n.powerState ?? '', targetPowerState: n.targetPowerState ?? '',
    maintenance: n.maintenance, maintenanceReason: n.maintenanceReason ?? '', fault: n.fault ?? '', lastError: n.lastError ?? '', reservation: n.reservation ?? '',
    cpus: n.properties.cpus ?? 0, memoryMb: n.properties.memoryMb ?? 0, localGb: n.properties.localGb ?? 0, cpuArch: n.properties.cpuArch ?? '',
    capabilities: { ...n.properties.capabilities },
    createdAt: n.createdAt, updatedAt: n.updatedAt, provisionUpdatedAt: n.provisionUpdatedAt,
    ports: ports.map((p) => ({ id: p.id, address: p.address, pxeEnabled: p.pxeEnabled })),
    instanceInfoJson: JSON.stringify(n.instanceInfo ?? {}),
    rootDeviceJson: n.properties.rootDevice && Object.keys(n.properties.rootDevice).length > 0 ? JSON.stringify(n.properties.rootDevice) : '',
  };
}

export function historyToProto(h: HistoryEntry): ProtoHistory {
  return { id: h.id, timestamp: h.ts, event: h.event, fromState: h.fromState, toState: h.toState, severity: h.severity, message: h.message, purpose: h.purpose };
}
