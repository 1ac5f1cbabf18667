/**
 * A pre-provisioned server reached through the real agent hub: a fake node provisioned with
 * `overcloud node provision` as hostname `overcloud-novacompute-0`, a real agent process enrolled as that
 * node, and a stack (agent_driver = hub) whose OS::Heat::DeployedServer is named by the hostname. The
 * deployment runs on that agent: the daemon maps the hostname to the node (as TripleO's deployed servers
 * are named after their hostnames).
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERCLOUD_BIN, runCli } from '../../helpers/daemon.js';
import { startAgent, startLab, waitConnected, type AgentLab } from './harness.js';

const TEMPLATES = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'orchestration', 'fixtures', 'deployed-server');
let lab: AgentLab;

beforeAll(async () => {
  lab = await startLab({}, '[orchestration]\nagent_driver = hub\npoll_max_ms = 100\n\n[baremetal]\nsync_power_state_interval = 0');
});
afterAll(async () => {
  await lab?.close();
});

describe('a deployed server named by its hostname', () => {
  it('runs its deployment on the agent of the node provisioned as that hostname', async () => {
    const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, lab.daemon.configFile);
    const nodes = path.join(lab.daemon.dir, 'nodes.json');
    writeFileSync(nodes, JSON.stringify({ nodes: [{ name: 'cmp-x', pm_type: 'fake', mac: ['52:54:00:cc:00:01'], capabilities: 'profile:compute' }] }));
    expect((await oc('node', 'import', '--provide', nodes)).code).toBe(0);
    const file = path.join(lab.daemon.dir, 'baremetal_deployment.yaml');
    writeFileSync(file, '- name: Compute\n  count: 1\n  defaults: {profile: compute}\n');
    const provisioned = await oc('-f', 'json', 'node', 'provision', file);
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const nodeId = (JSON.parse((await oc('-f', 'json', 'node', 'show', 'cmp-x')).stdout) as { id: string }).id;

    const agent = startAgent(lab, { nodeId, token: await lab.token(nodeId) });
    try {
      await waitConnected(lab, { [nodeId]: agent });
      const r = await oc('deploy', '--templates', TEMPLATES, '--stack', 'ds', '-P', 'ServerName=overcloud-novacompute-0', '--format', 'json');
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect((JSON.parse(r.stdout) as { outputs: { stdout: string } }).outputs.stdout).toBe(`hello from ${hostname()}\n`); // the agent runs here
      // The step is the node's: `overcloud node logs` of the node shows it.
      const logs = await oc('node', 'logs', 'cmp-x');
      expect(logs.stdout).toContain(`hello from ${hostname()}`);
    } finally {
      await agent.kill();
    }
  });
});
