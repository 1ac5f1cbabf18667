import { describe, expect, it } from 'vitest';
import { Journal } from '../../../../overcloud/agent/journal.js';
import { Runner } from '../../../../overcloud/agent/runner.js';
import { StepError, type EventSink, type ExecContext, type Step, type StepExecutor, type StepResult } from '../../../../overcloud/agent/types.js';
import { tempDir } from '../../../helpers/tmp.js';

class MemorySink implements EventSink {
  acks: [string, number][] = [];
  logs: [string, number, string][] = [];
  results: StepResult[] = [];
  order: string[] = [];
  ack(id: string, attempt: number) {
    this.acks.push([id, attempt]);
  }
  log(id: string, seq: number, _s: string, data: string) {
    this.logs.push([id, seq, data]);
  }
  async result(r: StepResult) {
    this.results.push(r);
    this.order.push(`result:${r.stepId}`);
    return true;
  }
}

const step = (id: string, kind = 'fake', over: Partial<Step> = {}): Step => ({ id, kind, params: {}, timeoutMs: 5000, retry: { maxAttempts: 1, backoffMs: 0 }, ...over });

function setup(executors: StepExecutor[], stateDir = tempDir('runner-')) {
  const sink = new MemorySink();
  const journal = new Journal(stateDir);
  const runner = new Runner({ mode: 'node', root: '/', dryRun: true, stateDir, executors: new Map(executors.map((e) => [e.kind, e])), journal, sink });
  return { sink, journal, runner, stateDir };
}

const counting = (runs: string[], body: (ctx: ExecContext) => Promise<void> = async () => undefined): StepExecutor => ({
  kind: 'fake', modes: ['node'],
  async run(ctx) {
    runs.push(ctx.step.id);
    ctx.log('stdout', `running ${ctx.step.id}\n`);
    await body(ctx);
    return { changed: true, outputs: { id: ctx.step.id } };
  },
});

describe('Runner', () => {
  it('runs steps one at a time in arrival order, acks, logs with sequence numbers and reports', async () => {
    const runs: string[] = [];
    const { sink, runner } = setup([counting(runs, () => new Promise((r) => setTimeout(r, 5)))]);
    runner.submit(step('a'));
    runner.submit(step('b'));
    runner.submit(step('a'));
    await runner.idle();
    expect(runs).toEqual(['a', 'b']);
    expect(sink.acks).toEqual([['a', 1], ['b', 1]]);
    expect(sink.logs).toEqual([['a', 1, 'running a\n'], ['b', 1, 'running b\n']]);
    expect(sink.results.map((r) => [r.stepId, r.success, r.changed])).toEqual([['a', true, true], ['b', true, true]]);
  });

  it('never reruns a finished step: a resent one (even after an agent restart) is answered from the journal', async () => {
    const runs: string[] = [];
    const first = setup([counting(runs)]);
    first.runner.submit(step('a'));
    await first.runner.idle();
    const again = setup([counting(runs)], first.stateDir);
    again.runner.submit(step('a'));
    await again.runner.idle();
    expect(runs).toEqual(['a']);
    expect(again.sink.results).toEqual(first.sink.results);
  });

  it('keeps unacknowledged results and marks acknowledged ones', async () => {
    const { runner, journal, stateDir } = setup([counting([])]);
    runner.submit(step('a'));
    runner.submit(step('b'));
    await runner.idle();
    journal.ack('a');
    expect(new Journal(stateDir).unacked().map((r) => r.stepId)).toEqual(['b']);
    expect(journal.unacked().map((r) => r.stepId)).toEqual(['b']);
  });

  it('a rerun after an agent restart continues log sequence numbers instead of reusing them', async () => {
    const dir = tempDir('runner-');
    new Journal(dir).startRun('a');
    const { sink, runner } = setup([counting([])], dir);
    runner.submit(step('a'));
    await runner.idle();
    expect(sink.logs[0]![1]).toBe(1_000_001);
  });

  it('retries per the policy and reports the attempts', async () => {
    let n = 0;
    const flaky: StepExecutor = {
      kind: 'fake', modes: ['node'],
      async run() {
        if (++n < 3) throw new StepError('flaky', `attempt ${n} failed`);
        return { changed: true, outputs: {} };
      },
    };
    const { sink, runner } = setup([flaky]);
    runner.submit(step('a', 'fake', { retry: { maxAttempts: 3, backoffMs: 1 } }));
    await runner.idle();
    expect(sink.acks).toEqual([['a', 1], ['a', 2], ['a', 3]]);
    expect(sink.results[0]).toMatchObject({ success: true, attempts: 3 });
  });

  it('does not retry a non-retryable failure', async () => {
    const bad: StepExecutor = { kind: 'fake', modes: ['node'], run: async () => Promise.reject(new StepError('invalid_params', 'no', {}, false)) };
    const { sink, runner } = setup([bad]);
    runner.submit(step('a', 'fake', { retry: { maxAttempts: 5, backoffMs: 1 } }));
    await runner.idle();
    expect(sink.results[0]).toMatchObject({ success: false, errorCode: 'invalid_params', attempts: 1 });
  });

  it('enforces the timeout with an AbortSignal', async () => {
    let aborted = false;
    const slow: StepExecutor = {
      kind: 'fake', modes: ['node'],
      run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((aborted = true), reject(ctx.signal.reason)))),
    };
    const { sink, runner } = setup([slow]);
    runner.submit(step('a', 'fake', { timeoutMs: 20 }));
    await runner.idle();
    expect(aborted).toBe(true);
    expect(sink.results[0]).toMatchObject({ success: false, errorCode: 'timeout' });
  });

  it('refuses kinds it does not know or that its mode does not allow', async () => {
    const ramdiskOnly: StepExecutor = { kind: 'wipe', modes: ['ramdisk'], run: async () => ({ changed: true, outputs: {} }) };
    const { sink, runner } = setup([ramdiskOnly]);
    runner.submit(step('a', 'wipe'));
    runner.submit(step('b', 'nope'));
    await runner.idle();
    expect(sink.results.map((r) => r.errorCode)).toEqual(['unsupported_kind', 'unsupported_kind']);
  });

  it('runs an after-action (reboot) only once the result was reported', async () => {
    const order: string[] = [];
    const { sink, runner } = setup([{ kind: 'fake', modes: ['node'], run: async () => ({ changed: true, outputs: {}, after: async () => void order.push('reboot') }) }]);
    sink.result = async (r) => {
      order.push(`result:${r.stepId}`);
      return true;
    };
    runner.submit(step('a'));
    await runner.idle();
    expect(order).toEqual(['result:a', 'reboot']);
  });
});
