/** The executor registry: each executor imported by name (nothing registers itself on import). */
import type { StepExecutor } from '../agent/types.js';
import { configDriveExecutor } from './config-drive.js';
import { diskExportExecutor, diskWipeExecutor } from './disk.js';
import { fileExecutor } from './file.js';
import { inventoryExecutor } from './inventory.js';
import { packageExecutor } from './package.js';
import { powerOffExecutor, rebootExecutor } from './power.js';
import { scriptExecutor } from './script.js';
import { serviceExecutor } from './service.js';

export const executors: readonly StepExecutor[] = [
  scriptExecutor, fileExecutor, packageExecutor, serviceExecutor, inventoryExecutor,
  diskWipeExecutor, diskExportExecutor, configDriveExecutor, powerOffExecutor, rebootExecutor,
];

export function executorMap(): Map<string, StepExecutor> {
  return new Map(executors.map((e) => [e.kind, e]));
}
