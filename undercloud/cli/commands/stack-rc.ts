/**
 * The files a deploy leaves behind (`overcloud deploy`, `overcloud credentials`, `overcloud export`): the
 * credentials file and the stack's secrets as an environment file.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomically } from '../common/write-file.js';

/**
 * Writes the stack's `overcloudrc` output to DIR/STACKrc (mode 0600: it holds the admin password), as
 * TripleO's deploy leaves `overcloudrc` behind. Returns the path, or undefined when the templates have no
 * such output.
 */
export function writeStackRc(dir: string, stack: string, outputs: unknown): string | undefined {
  const rc = (outputs as Record<string, unknown> | null)?.overcloudrc;
  if (typeof rc !== 'string' || rc === '') return undefined;
  const file = path.resolve(dir, `${stack}rc`);
  writeFileAtomically(file, rc.endsWith('\n') ? rc : `${rc}\n`, 0o600);
  return file;
}

/** The stack's secrets by parameter name (its `password_parameters` output), or undefined when it has none. */
export function passwordParameters(outputs: unknown): Record<string, unknown> | undefined {
  const p = (outputs as Record<string, unknown> | null)?.password_parameters;
  return p !== null && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length > 0 ? (p as Record<string, unknown>) : undefined;
}

/**
 * An environment file that gives another deploy the stack's secrets (TripleO's passwords file and `overcloud
 * export`): `-e` it when deploying the stack again from nothing (a lost undercloud, a stack deleted by
 * mistake) and the passwords, Keystone's fernet and credential keys stay what the nodes and databases know.
 */
export function passwordsEnvironment(stack: string, params: Record<string, unknown>): string {
  return `# The secrets of stack ${stack}, written ${new Date().toISOString()}. Keep this file safe (mode 0600):\n`
    + `# deploying with -e this file keeps the same passwords and keys.\n${stringify({ parameter_defaults: params }, { lineWidth: 0 })}`;
}

/** Writes DIR/STACK-passwords.yaml (mode 0600) after a deploy, as TripleO keeps tripleo-STACK-passwords.yaml. */
export function writeStackPasswords(dir: string, stack: string, outputs: unknown): string | undefined {
  const params = passwordParameters(outputs);
  if (!params) return undefined;
  const file = path.resolve(dir, `${stack}-passwords.yaml`);
  writeFileAtomically(file, passwordsEnvironment(stack, params), 0o600);
  return file;
}
