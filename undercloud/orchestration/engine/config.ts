/**
 * The [orchestration] section of undercloud.conf. Drivers choose what the server and deployment resources
 * talk to: `fake` (instant servers, a scripted agent: tests, benchmarks, and the default until the
 * bare-metal service and agent hub are wired in) or the real services (`baremetal`, `hub`).
 */
import { defineSection } from '../../daemon/config-sections.js';

export interface OrchestrationConfig {
  serverDriver: 'fake' | 'baremetal';
  agentDriver: 'fake' | 'hub';
  /** Leaf resource actions running at once, over all stacks. */
  concurrency: number;
  /** Per-resource action timeout. */
  resourceTimeoutSeconds: number;
  /** Heat's max_nested_stack_depth. */
  maxNestedDepth: number;
  /** Longest wait between two polls of a resource in progress. */
  pollMaxMs: number;
  /** Fake drivers only: how long a fake server takes to deploy, and a fake deployment to report. */
  fakeServerDeployMs: number;
  fakeAgentDelayMs: number;
}

export const orchestrationSection = defineSection<OrchestrationConfig>({
  name: 'orchestration',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      server_driver: { type: 'string', enum: ['fake', 'baremetal'] },
      agent_driver: { type: 'string', enum: ['fake', 'hub'] },
      concurrency: { type: 'integer', minimum: 1, maximum: 10000 },
      resource_timeout: { type: 'integer', minimum: 1 },
      max_nested_depth: { type: 'integer', minimum: 1, maximum: 50 },
      poll_max_ms: { type: 'integer', minimum: 10 },
      fake_server_deploy_ms: { type: 'integer', minimum: 0 },
      fake_agent_delay_ms: { type: 'integer', minimum: 0 },
    },
  },
  compile(raw) {
    const r = raw as Record<string, string | number | undefined>;
    return {
      serverDriver: (r.server_driver as OrchestrationConfig['serverDriver']) ?? 'fake',
      agentDriver: (r.agent_driver as OrchestrationConfig['agentDriver']) ?? 'fake',
      concurrency: Number(r.concurrency ?? 32),
      resourceTimeoutSeconds: Number(r.resource_timeout ?? 3600),
      maxNestedDepth: Number(r.max_nested_depth ?? 10),
      pollMaxMs: Number(r.poll_max_ms ?? 2000),
      fakeServerDeployMs: Number(r.fake_server_deploy_ms ?? 0),
      fakeAgentDelayMs: Number(r.fake_agent_delay_ms ?? 0),
    };
  },
});
