/** JSON Schema of TripleO's instackenv.json (the node fields `overcloud node import` reads). */
export const instackenvSchema = {
  type: 'object',
  required: ['nodes'],
  properties: {
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pm_type'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' },
          pm_type: { type: 'string', minLength: 1 },
          pm_addr: { type: 'string', minLength: 1 },
          pm_port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]{1,5}$' }] },
          pm_user: { type: 'string' },
          pm_password: { type: 'string' },
          pm_system_id: { type: 'string' },
          pm_verify_ca: { type: ['boolean', 'string'] },
          ports: {
            type: 'array',
            items: {
              type: 'object', required: ['address'],
              properties: { address: { type: 'string' }, physical_network: { type: 'string' }, local_link_connection: { type: 'object' } },
              additionalProperties: false,
            },
          },
          mac: { type: 'array', items: { type: 'string' } },
          arch: { type: 'string', enum: ['x86_64', 'aarch64', 'ppc64le', 'i686'] },
          cpu: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]*$' }] },
          memory: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]*$' }] },
          disk: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]*$' }] },
          capabilities: { type: 'string' },
          root_device: { type: 'object' },
          // Ironic-style interface choices (e.g. "deploy_interface": "fake" on a real BMC).
          power_interface: { type: 'string' },
          management_interface: { type: 'string' },
          boot_interface: { type: 'string' },
          deploy_interface: { type: 'string' },
          inspect_interface: { type: 'string' },
          // Free-form extras TripleO files carry.
          description: { type: 'string' },
          uuid: { type: 'string' },
          kernel_id: { type: 'string' },
          ramdisk_id: { type: 'string' },
        },
      },
    },
  },
} as const;
