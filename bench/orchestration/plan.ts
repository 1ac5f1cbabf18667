/**
 * The benchmark plan (issue item 10): three ResourceGroup roles (3 Controller, N Compute, N/10 Storage),
 * each member a nested template of about 10 resources (Value, RandomString, SoftwareConfig, None,
 * deployments, a server) using get_param, get_attr, str_replace, list_join, map_merge and if.
 */
import type { TemplateBundle } from '../../undercloud/orchestration/template/types.js';

const root = `heat_template_version: wallaby
parameters:
  ControllerCount: {type: number, default: 3}
  ComputeCount: {type: number, default: 10}
  StorageCount: {type: number, default: 1}
  CloudName: {type: string, default: overcloud.example.com}
resources:
  AdminPassword:
    type: OS::Heat::RandomString
    properties: {length: 24}
  Controller:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: ControllerCount}
      resource_def:
        type: OS::TripleO::Controller
        properties: {Index: '%index%', Role: Controller, Profile: control, Primary: true, AdminPassword: {get_attr: [AdminPassword, value]}, CloudName: {get_param: CloudName}}
  Compute:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: ComputeCount}
      resource_def:
        type: OS::TripleO::Compute
        properties: {Index: '%index%', Role: Compute, Profile: compute, Primary: false, AdminPassword: {get_attr: [AdminPassword, value]}, CloudName: {get_param: CloudName}}
  Storage:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: StorageCount}
      resource_def:
        type: OS::TripleO::Storage
        properties: {Index: '%index%', Role: CephStorage, Profile: ceph-storage, Primary: false, AdminPassword: {get_attr: [AdminPassword, value]}, CloudName: {get_param: CloudName}}
outputs:
  controller_ips: {value: {get_attr: [Controller, ip]}}
  compute_count: {value: {get_param: ComputeCount}}
`;

const role = `heat_template_version: wallaby
parameters:
  Index: {type: string}
  Role: {type: string}
  Profile: {type: string}
  Primary: {type: boolean, default: false}
  AdminPassword: {type: string, hidden: true}
  CloudName: {type: string}
conditions:
  is_primary: {get_param: Primary}
resources:
  Hostname:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: overcloud-ROLE-INDEX
          params: {ROLE: {get_param: Role}, INDEX: {get_param: Index}}
  Server:
    type: OS::TripleO::Server
    properties:
      name: {get_attr: [Hostname, value]}
      profile: {get_param: Profile}
  NodeSecret:
    type: OS::Heat::RandomString
    properties: {length: 16}
  Disabled:
    type: OS::Heat::None
    properties: {anything: {get_param: Role}}
  HostConfig:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config:
        list_join:
          - "\\n"
          - - "#!/bin/sh"
            - {str_replace: {template: "hostnamectl set-hostname NAME", params: {NAME: {get_attr: [Hostname, value]}}}}
  HostDeployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: HostConfig}
      server: {get_resource: Server}
      input_values:
        map_merge:
          - {cloud_name: {get_param: CloudName}}
          - {primary: {if: [is_primary, 'yes', 'no']}}
  SettingsConfig:
    type: OS::Heat::StructuredConfig
    properties:
      group: hiera
      config:
        settings: {admin_password: {get_input: admin_password}, node_secret: {get_input: node_secret}}
  SettingsDeployment:
    type: OS::Heat::StructuredDeployment
    properties:
      config: {get_resource: SettingsConfig}
      server: {get_resource: Server}
      input_values: {admin_password: {get_param: AdminPassword}, node_secret: {get_attr: [NodeSecret, value]}}
    depends_on: [HostDeployment]
  Facts:
    type: OS::Heat::Value
    properties:
      value:
        map_merge:
          - {hostname: {get_attr: [Hostname, value]}, ip: {get_attr: [Server, ip_address]}}
          - {stdout: {get_attr: [HostDeployment, deploy_stdout]}}
outputs:
  ip: {value: {get_attr: [Server, ip_address]}}
  hostname: {value: {get_attr: [Hostname, value]}}
  facts: {value: {get_attr: [Facts, value]}}
`;

const env = `resource_registry:
  OS::TripleO::Controller: role.yaml
  OS::TripleO::Compute: role.yaml
  OS::TripleO::Storage: role.yaml
`;

export function benchBundle(): TemplateBundle {
  return { rootTemplate: 'overcloud.yaml', files: { 'overcloud.yaml': root, 'role.yaml': role, 'env.yaml': env }, environments: ['env.yaml'] };
}

/** Resources in the plan for N computes: 4 top-level, plus per member 1 (the member) + 9 inside. */
export function resourceCount(n: number): number {
  const members = 3 + n + Math.floor(n / 10);
  return 4 + members * 10;
}
