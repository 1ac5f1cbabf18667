/** The [orchestration] drivers: `agent_driver = hub` starts with the agent hub and runs a plain HOT stack (no roles file). */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestDaemon, runCli, OVERCLOUD_BIN, type TestDaemon } from '../../helpers/daemon.js';

const TEMPLATES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'plain');

describe('orchestration drivers', () => {
  let d: TestDaemon | undefined;
  afterAll(async () => {
    await d?.stop();
    d?.cleanup();
  });

  it('agent_driver = hub: the daemon starts and converges a stack that needs no agent', async () => {
    d = await startTestDaemon({ extraConfig: '[orchestration]\nagent_driver = hub' });
    const r = await runCli(OVERCLOUD_BIN, ['deploy', '--templates', TEMPLATES, '--stack', 'plain', '--format', 'json'], d.configFile);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { status: string; outputs: Record<string, unknown> };
    expect(out.status).toBe('COMPLETE');
    expect(out.outputs.greeting).toBe('hello plain');
  });
});
