/**
 * The image builder's public surface. Example:
 *   const [def] = loadImageDefinitions('disk-image-builder/overcloud-images.yaml');
 *   const result = await buildImage(def, { outputDir: 'images', onEvent: console.log });
 */
export { buildImage, resolveElements, DEFAULT_ELEMENTS_DIR, DEFAULT_AGENT_BUNDLE, type BuildOptions, type BuildResult, type BuildEvent } from './runner.js';
export { loadImageDefinitions, parseImageDefinitions, type ImageDefinition } from './image-definition.js';
export { expandElements } from './element-dependencies.js';
export { resolveAgentBundle, AGENT_ELEMENT } from './agent-bundle.js';
export { PHASES, phaseFromBreakName, type PhaseName } from './phases.js';
export { breakShell } from './break-shell.js';
export type { Manifest, ManifestOutput } from './outputs.js';
export * from './errors.js';
