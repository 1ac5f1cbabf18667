/**
 * Where the config file is: kept apart from config.ts so that a CLI command that never reads the config
 * (`undercloud image write`, `--help`) does not load ajv and compile every section's schema.
 */
import path from 'node:path';

export const DEFAULT_CONFIG_PATH = '/etc/undercloud/undercloud.conf';

/** --config, else $UNDERCLOUD_CONFIG, else /etc/undercloud/undercloud.conf, made absolute. */
export function resolveConfigPath(flag?: string): string {
  return path.resolve(flag ?? process.env.UNDERCLOUD_CONFIG ?? DEFAULT_CONFIG_PATH);
}
