/**
 * [baremetal] in undercloud.conf: Ironic's conductor options under their Ironic names (seconds), compiled
 * into milliseconds for the code.
 */
import { defineSection } from '../daemon/config-sections.js';

export interface BaremetalConfig {
  deployCallbackTimeoutMs: number;
  cleanCallbackTimeoutMs: number;
  inspectWaitTimeoutMs: number;
  powerStateChangeTimeoutMs: number;
  syncPowerStateIntervalMs: number;
  checkProvisionStateIntervalMs: number;
  rescueCallbackTimeoutMs: number;
  powerStateSyncMaxRetries: number;
  maxConcurrentDeploy: number;
  bmcRetries: number;
  bmcRetryIntervalMs: number;
  allowDeletingAvailableNodes: boolean;
  /** Automated cleaning on provide/undeploy; unset = DEFAULT clean_nodes. */
  automatedClean: boolean | undefined;
}

const secs = { type: 'integer', minimum: 0 };

export const baremetalSection = defineSection<BaremetalConfig>({
  name: 'baremetal',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      deploy_callback_timeout: secs,
      clean_callback_timeout: secs,
      inspect_wait_timeout: secs,
      power_state_change_timeout: secs,
      sync_power_state_interval: secs,
      check_provision_state_interval: secs,
      rescue_callback_timeout: secs,
      power_state_sync_max_retries: { type: 'integer', minimum: 1 },
      max_concurrent_deploy: { type: 'integer', minimum: 1 },
      bmc_retries: { type: 'integer', minimum: 1, maximum: 20 },
      bmc_retry_interval: { type: 'number', minimum: 0 },
      allow_deleting_available_nodes: { type: 'boolean' },
      automated_clean: { type: 'boolean' },
    },
  },
  compile: (raw) => ({
    deployCallbackTimeoutMs: num(raw.deploy_callback_timeout, 1800) * 1000,
    cleanCallbackTimeoutMs: num(raw.clean_callback_timeout, 1800) * 1000,
    inspectWaitTimeoutMs: num(raw.inspect_wait_timeout, 1800) * 1000,
    powerStateChangeTimeoutMs: num(raw.power_state_change_timeout, 60) * 1000,
    syncPowerStateIntervalMs: num(raw.sync_power_state_interval, 120) * 1000,
    checkProvisionStateIntervalMs: num(raw.check_provision_state_interval, 60) * 1000,
    rescueCallbackTimeoutMs: num(raw.rescue_callback_timeout, 1800) * 1000,
    powerStateSyncMaxRetries: num(raw.power_state_sync_max_retries, 3),
    maxConcurrentDeploy: num(raw.max_concurrent_deploy, 250),
    bmcRetries: num(raw.bmc_retries, 3),
    bmcRetryIntervalMs: num(raw.bmc_retry_interval, 1) * 1000,
    allowDeletingAvailableNodes: raw.allow_deleting_available_nodes === true,
    automatedClean: typeof raw.automated_clean === 'boolean' ? raw.automated_clean : undefined,
  }),
});

function num(v: unknown, def: number): number {
  return typeof v === 'number' ? v : def;
}
