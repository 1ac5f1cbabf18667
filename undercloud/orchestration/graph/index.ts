export { Graph } from './graph.js';
export { CircularDependencyError } from './errors.js';
