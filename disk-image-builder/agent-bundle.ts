/**
 * The node agent bundle that the `undercloud-agent` element installs as
 * /opt/undercloud-agent/undercloud-agent.cjs: `DIB_AGENT_BUNDLE` (the path of the .cjs file, from the
 * image definition's environment or the build's), else the repository's own `npm run build` product,
 * dist/agent/undercloud-agent.cjs. Checked before the build starts, so a missing bundle fails in a second
 * rather than after the bootstrap.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { AgentBundleMissingError } from './errors.js';

/** The element that needs the bundle. */
export const AGENT_ELEMENT = 'undercloud-agent';

/** Where `npm run build` puts the bundle, relative to the repository root. */
export const AGENT_BUNDLE_IN_REPO = path.join('dist', 'agent', 'undercloud-agent.cjs');

/**
 * The absolute path of the bundle to put into the image, or undefined when no selected element needs one.
 * `configured` is DIB_AGENT_BUNDLE as the build sees it; `defaultBundle` the repository's dist/ file.
 */
export function resolveAgentBundle(elements: readonly string[], configured: string | undefined, defaultBundle: string, cwd = process.cwd()): string | undefined {
  if (!elements.includes(AGENT_ELEMENT)) return undefined;
  const file = configured ? path.resolve(cwd, configured) : defaultBundle;
  const hint = configured
    ? `DIB_AGENT_BUNDLE=${configured}`
    : `the node agent bundle ${file} (the default when DIB_AGENT_BUNDLE is not set)`;
  if (!existsSync(file)) throw new AgentBundleMissingError(`${hint} does not exist: run "npm run build" to make dist/agent/undercloud-agent.cjs, or set DIB_AGENT_BUNDLE to the agent's .cjs file`);
  if (!statSync(file).isFile()) throw new AgentBundleMissingError(`${hint} is not a file: DIB_AGENT_BUNDLE names the agent bundle itself (undercloud-agent.cjs), not its folder`);
  return file;
}
