/**
 * `undercloud agent ...`: the node agents as the operator sees them (undercloud.v1.Agents).
 *   agent list [--state S]                  every enrolled agent, its session state and certificate
 *   agent token issue NODE [--ttl SECONDS]  a one-time enrollment token, printed once (stored hashed)
 *   agent revoke NODE [--reason TEXT]       certificate and unused tokens revoked, session dropped
 *   agent steps NODE [--state S]            the node's steps with their state (newest 1000)
 *   agent run NODE KIND --param k=v ...     one step (agent-run.ts)
 * Logs stay where operators of the bare-metal side look for them: `overcloud node logs NODE`.
 */
import type { Command } from 'commander';
import { call } from '../common/client.js';
import { renderData, renderFields, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { AGENT_STATES, STEP_STATES, agentColumns, agentCommand, agentView, choice, seconds, stepColumns, stepView, withAgents } from './agent-common.js';
import { register as registerRun } from './agent-run.js';

export function register(program: Command): void {
  const agent = agentCommand(program);

  agent
    .command('list')
    .description('list enrolled agents: session state, mode, version, last seen, certificate')
    .option('--state <state>', `only agents in this state (${AGENT_STATES.join(', ')})`, choice(AGENT_STATES))
    .action(async (opts: { state?: string }, cmd: Command) => {
      const g = globals(cmd);
      await withAgents(cmd, async (conn, client) => {
        const res = await call(conn, client.listAgents, client, {});
        const agents = res.agents.filter((a) => !opts.state || a.state === opts.state);
        out(renderData(agents.map(agentView), g.format, () => renderTable(agents, agentColumns)));
      });
    });

  agent
    .command('token')
    .description('enrollment tokens')
    .command('issue')
    .description('issue a one-time enrollment token for a node; it is printed once (the daemon keeps only its hash) and replaces the node\'s unused one')
    .argument('<node>', 'node id')
    .option('--ttl <seconds>', 'lifetime of the token (default: [agents] token_ttl)', seconds(1, 31_536_000))
    .action(async (node: string, opts: { ttl?: number }, cmd: Command) => {
      const g = globals(cmd);
      await withAgents(cmd, async (conn, client) => {
        const t = await call(conn, client.issueEnrollmentToken, client, { nodeId: node, ttlSeconds: opts.ttl ?? 0 });
        const view = { node_id: t.nodeId, token: t.token, expires_at: t.expiresAt };
        out(renderData(view, g.format, () => renderFields(view)));
        if (g.format === 'table') {
          process.stderr.write('This token is shown once. Give it to the node (undercloud.token= on a ramdisk\'s kernel command line, or the agent\'s --token-file); it is spent by the first enrollment.\n');
        }
      });
    });

  agent
    .command('revoke')
    .description('revoke a node\'s agent credentials (on rebuild or delete): its certificate and unused tokens; drops its session and fails its open steps')
    .argument('<node>', 'node id')
    .option('--reason <text>', 'why (stored with the revoked certificate and in the agent.revoked event)')
    .action(async (node: string, opts: { reason?: string }, cmd: Command) => {
      const g = globals(cmd);
      await withAgents(cmd, async (conn, client) => {
        const r = await call(conn, client.revokeAgent, client, { nodeId: node, reason: opts.reason ?? '' });
        const view = { node_id: node, revoked_certificates: r.revokedCertificates, revoked_tokens: r.revokedTokens };
        out(renderData(view, g.format, () => renderFields(view)));
      });
    });

  agent
    .command('steps')
    .description('list a node\'s agent steps (the newest 1000) with their state; --format json adds outputs')
    .argument('<node>', 'node id')
    .option('--state <state>', `only steps in this state (${STEP_STATES.join(', ')})`, choice(STEP_STATES))
    .action(async (node: string, opts: { state?: string }, cmd: Command) => {
      const g = globals(cmd);
      await withAgents(cmd, async (conn, client) => {
        const res = await call(conn, client.listSteps, client, { nodeId: node });
        const steps = res.steps.filter((s) => !opts.state || s.state === opts.state);
        out(renderData(steps.map(stepView), g.format, () => renderTable(steps, stepColumns)));
      });
    });

  registerRun(program);
}
