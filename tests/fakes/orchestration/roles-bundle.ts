/** A bundle whose roles come from roles_data.yaml (the product's shape), for the engine's unit tests. */
import type { TemplateBundle } from '../../../undercloud/orchestration/template/types.js';

/** A member of a role's group: what render-roles passes it, one server, its hostname as output. */
export const ROLE_MEMBER_TEMPLATE = `heat_template_version: wallaby
parameters:
  RoleName: {type: string}
  Index: {type: string}
  Hostname: {type: string}
  ServiceNames: {type: comma_delimited_list}
  RoleParameters: {type: json, default: {}}
  Image: {type: string, default: overcloud-full}
  Tags: {type: json, default: []}
resources:
  Server:
    type: OS::TripleO::Server
    properties: {name: {get_param: Hostname}, image: {get_param: Image}}
  Services:
    type: OS::Heat::Value
    properties: {value: {list_join: [',', {get_param: ServiceNames}]}}
outputs:
  hostname: {value: {get_attr: [Server, name]}}
`;

/** overcloud.yaml + roles_data.yaml + role.yaml for every role, and environment files after the registry, in order. */
export function rolesBundle(root: string, roles: string, environments: Record<string, string> = {}): TemplateBundle {
  return {
    rootTemplate: 'overcloud.yaml',
    files: {
      'overcloud.yaml': root, 'roles_data.yaml': roles, 'role.yaml': ROLE_MEMBER_TEMPLATE,
      'registry.yaml': 'resource_registry:\n  OS::TripleO::Role: role.yaml\n', ...environments,
    },
    environments: ['registry.yaml', ...Object.keys(environments)],
    rolesData: 'roles_data.yaml',
  };
}
