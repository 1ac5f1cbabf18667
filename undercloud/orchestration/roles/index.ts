/** roles_data.yaml rendering (TripleO's per-role parameters and ResourceGroups). */
export { renderRoles, fromJson } from './render-roles.js';
export type { RenderedRoles, RoleSpec } from './render-roles.js';
