/**
 * The JSON Schema of undercloud.conf after INI parsing. Key names follow TripleO's undercloud.conf where
 * TripleO has the concept (local_ip, local_interface, local_subnet, subnets, dhcp_start, ...); keys TripleO
 * has no equivalent for (socket_path, state_dir, ...) are ours and documented in docs/configuration.md.
 */
export const subnetSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cidr: { type: 'string', format: 'ipv4-cidr', description: 'The subnet of the provisioning network.' },
    dhcp_start: { type: 'string', format: 'ipv4', description: 'First address handed to deployed/deploying nodes.' },
    dhcp_end: { type: 'string', format: 'ipv4' },
    inspection_iprange: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+,\\d+\\.\\d+\\.\\d+\\.\\d+$', description: 'start,end of the range used while inspecting.' },
    gateway: { type: 'string', format: 'ipv4' },
    masquerade: { type: 'boolean' },
    dns_nameservers: { type: 'string' },
  },
} as const;

export const defaultSectionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // TripleO's names
    local_ip: { type: 'string', format: 'ipv4-cidr', description: 'The undercloud address on the provisioning network, with its prefix.' },
    local_interface: { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,15}$', description: 'Provisioning NIC (or bridge).' },
    local_subnet: { type: 'string', minLength: 1 },
    subnets: { type: 'string', minLength: 1, description: 'Comma-separated names of subnet sections.' },
    undercloud_debug: { type: 'boolean' },
    undercloud_nameservers: { type: 'string' },
    undercloud_ntp_servers: { type: 'string' },
    enabled_hardware_types: { type: 'string', pattern: '^[a-z0-9_-]+(,[a-z0-9_-]+)*$' },
    clean_nodes: { type: 'boolean' },
    ipxe_enabled: { type: 'boolean' },
    // ours
    state_dir: { type: 'string', minLength: 1, description: 'Where the store, images and run-time files live.' },
    store_path: { type: 'string', minLength: 1 },
    socket_path: { type: 'string', minLength: 1, maxLength: 107, description: 'Operator API unix socket (mode 0660).' },
    log_file: { type: 'string' },
    pki_dir: { type: 'string', minLength: 1 },
    api_tls_listen: { type: 'string', pattern: '^(\\[[0-9a-fA-F:]+\\]|[0-9.]+|[A-Za-z0-9.-]+):\\d{1,5}$', description: 'host:port for the operator API over TLS; empty = unix socket only.' },
    agent_listen: { type: 'string', pattern: '^(\\[[0-9a-fA-F:]+\\]|[0-9.]+|[A-Za-z0-9.-]+):\\d{1,5}$', description: 'host:port where node agents connect (TLS).' },
    shutdown_grace_seconds: { type: 'integer', minimum: 0, maximum: 3600 },
    network_namespace: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Run the provisioning services inside this network namespace (the lab).' },
  },
} as const;
