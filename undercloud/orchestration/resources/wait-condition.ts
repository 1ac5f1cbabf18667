/**
 * OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition: the handle is an id that something outside
 * signals (SignalResource / `curl_cli`); the condition waits for `count` signals within `timeout` seconds.
 * A timeout fails with Heat's "WaitConditionTimeout: N of M received".
 */
import type { CheckResult, ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { ResourceFailure } from './errors.js';
import { asRecord, newId } from './common.js';

export const waitConditionHandleResource: ResourcePlugin = {
  type: 'OS::Heat::WaitConditionHandle',
  description: 'A handle that receives signals (status, reason, data, id).',
  properties: { type: 'object', additionalProperties: false, properties: {} },
  attributes: {
    token: { description: 'The token that authorises signals.', schema: { type: 'string' } },
    endpoint: { description: 'Where signals are sent.', schema: { type: 'string' } },
    curl_cli: { description: 'A curl command line that sends a signal.', schema: { type: 'string' } },
    signal: { description: 'Signal URL (compatibility).', schema: { type: 'string' } },
  },
  create: (ctx) => {
    const id = newId();
    const endpoint = `undercloud://stacks/${ctx.rootStackId}/signal/${id}`;
    return {
      refId: id,
      attributes: { token: id, endpoint, signal: endpoint, curl_cli: `overcloud stack signal --handle ${id}` },
    };
  },
};

interface WaitProps { [k: string]: Json; handle: string; count: number; timeout: number }
interface WaitHandle { startedAt: number }

export const waitConditionResource: ResourcePlugin<WaitProps> = {
  type: 'OS::Heat::WaitCondition',
  description: 'Waits for `count` signals on a handle within `timeout` seconds.',
  properties: {
    type: 'object',
    additionalProperties: false,
    required: ['handle', 'timeout'],
    properties: { handle: { type: 'string' }, count: { type: 'integer', minimum: 1, default: 1, updateAllowed: true }, timeout: { type: 'number', minimum: 1, updateAllowed: true } },
  },
  attributes: { data: { description: 'JSON map of signal id -> data.', schema: { type: 'string' } } },
  create: () => ({ handle: { startedAt: Date.now() } satisfies WaitHandle as unknown as Json }),
  checkCreateComplete: (ctx, snap): CheckResult => {
    const p = snap.properties as WaitProps;
    const signals = ctx.waitSignals.signals(p.handle);
    const failed = signals.map(asRecord).find((s) => String(s.status ?? 'SUCCESS').toUpperCase() === 'FAILURE');
    if (failed) throw new ResourceFailure('WAIT_CONDITION_FAILED', `WaitConditionFailure: ${String(failed.reason ?? 'signalled failure')}`);
    if (signals.length >= (p.count ?? 1)) {
      const data: Record<string, Json> = {};
      signals.forEach((s, i) => {
        const r = asRecord(s);
        data[String(r.id ?? i + 1)] = r.data ?? null;
      });
      return { done: true, attributes: { data: JSON.stringify(data) } };
    }
    const started = (snap.handle as unknown as WaitHandle | undefined)?.startedAt ?? Date.now();
    if (Date.now() - started > p.timeout * 1000) throw new ResourceFailure('WAIT_CONDITION_TIMEOUT', `WaitConditionTimeout: ${signals.length} of ${p.count ?? 1} received`);
    return { done: false };
  },
};
