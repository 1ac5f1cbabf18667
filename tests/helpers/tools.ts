/**
 * The host tools a test runs. A missing one fails the test (never a skip) with the Debian packages that
 * bring it; scripts/test installs tests/debian-packages.txt and undercloud/install/debian-packages.txt.
 */
import { spawnSync } from 'node:child_process';

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Throws naming every missing command and its packages: `[command, Debian package(s)]` pairs, plus
 * `missingPackages` that the caller found missing some other way (a vagrant plugin).
 */
export function requireTools(tools: readonly (readonly [cmd: string, pkg: string])[], missingPackages: readonly string[] = []): void {
  const missing = tools.filter(([cmd]) => !hasCommand(cmd));
  const pkgs = [...new Set([...missing.map(([, pkg]) => pkg), ...missingPackages])];
  if (pkgs.length === 0) return;
  const cmds = missing.map(([cmd]) => cmd);
  throw new Error(`${cmds.length > 0 ? `${cmds.join(', ')} missing` : 'missing tools'}: apt-get install ${pkgs.join(' ')} (tests/debian-packages.txt)`);
}
