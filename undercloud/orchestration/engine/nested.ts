/**
 * Converges the child stack of a nested resource (provider template, OS::Heat::Stack, group, chain): the
 * plugin builds the child's template from the resolved properties, the child is created or updated, and
 * the plugin turns the converged child into the resource's reference and attributes. A plugin may ask for
 * batches first (ResourceGroup's update_policy): the child is converged to each batch's template in turn,
 * with a pause between batches, and each batch is built from the template the previous one left.
 */
import { randomUUID } from 'node:crypto';
import type { Json } from '../template/types.js';
import type { ResourceRecord, StackRecord, StacksRepo, StackTemplate } from '../../store/stacks.js';
import type { AnyPlugin, NestedBuildContext, NestedTemplate, NestedView, ResourceSnapshot } from '../resources/types.js';
import { jsonEqual } from '../resources/common.js';
import type { Persister } from './persister.js';
import { buildRuntime, bundleDigest, type StackRuntime } from './runtime.js';
import { resolve } from './templates.js';
import { sleep } from './scheduler.js';
import { apply } from './leaf.js';
import { NestingTooDeepError } from './errors.js';

export interface NestedHost {
  repo: StacksRepo;
  persister: Persister;
  maxNestedDepth: number;
  converge(rt: StackRuntime, action: 'CREATE' | 'UPDATE', signal: AbortSignal): Promise<Record<string, Json>>;
  /** Records the progress of a batched action on the parent resource (an event). */
  progress(stack: StackRecord, rec: ResourceRecord, reason: string): void;
}

export interface NestedRequest {
  rt: StackRuntime;
  rec: ResourceRecord;
  plugin: AnyPlugin;
  props: Record<string, Json>;
  prev: ResourceSnapshot | undefined;
  /** The resolved update_policy (validated against the type's schema), if any. */
  updatePolicy: Record<string, Json> | undefined;
}

function sameTemplate(a: NestedTemplate | undefined, b: NestedTemplate): boolean {
  return a !== undefined && a.templateFile === b.templateFile && jsonEqual(a.files, b.files) && jsonEqual(a.parameters, b.parameters);
}

export async function runNested(host: NestedHost, req: NestedRequest, signal: AbortSignal): Promise<void> {
  const { rt, rec, plugin, props, prev } = req;
  const def = rt.def.resources[rec.name]!;
  if (rt.depth + 1 > host.maxNestedDepth) throw new NestingTooDeepError(`${rt.record.name}/${rec.name}`, host.maxNestedDepth);
  if (rec.nestedStackId) host.persister.flush();
  let child: StackRecord | undefined = rec.nestedStackId ? host.repo.get(rec.nestedStackId) : undefined;
  const ctx: NestedBuildContext = {
    stackName: rt.record.name, resourceName: rec.name, resource: def,
    ...(req.updatePolicy ? { updatePolicy: req.updatePolicy } : {}),
    ...(child ? { current: child.template } : {}),
  };
  const hooks = plugin.nested!;
  const spec = hooks.build(props, prev, ctx);
  const facade = {
    metadata: def.metadata === undefined ? undefined : (resolve(def.metadata, rt.ctx) ?? undefined),
    deletion_policy: def.deletionPolicy,
    update_policy: def.updatePolicy === undefined ? undefined : (resolve(def.updatePolicy, rt.ctx) ?? undefined),
  };
  let childRt: StackRuntime | undefined;
  let outputs: Record<string, Json> = {};
  let current: NestedTemplate | undefined = child?.template;

  const converge = async (t: NestedTemplate): Promise<void> => {
    const template: StackTemplate = { templateFile: t.templateFile, parameters: t.parameters, files: t.files, bundleDigest: bundleDigest(rt.rootBundle) };
    let action: 'CREATE' | 'UPDATE' = 'CREATE';
    let isNew = false;
    if (child) {
      host.persister.flush();
      host.repo.setTemplate(child.id, template);
      child = { ...child, template };
      // A create a previous daemon left in progress goes on as a create; a failed one is updated (Heat).
      action = child.action === 'CREATE' && child.status === 'IN_PROGRESS' ? 'CREATE' : 'UPDATE';
    } else {
      // A new child has no rows yet: its insert is batched with the next flush, nothing is read back.
      const now = new Date().toISOString();
      const fresh = {
        id: randomUUID(), name: `${rt.record.name}-${rec.name}`, parentId: rt.record.id, parentResource: rec.name, rootId: rt.record.rootId,
        action: 'CREATE' as const, status: 'IN_PROGRESS' as const, statusReason: '', template, outputs: undefined, timeoutMinutes: undefined,
      };
      host.persister.insertStack(fresh);
      child = { ...fresh, createdAt: now, updatedAt: now };
      rec.nestedStackId = child.id;
      host.persister.saveResource(rec);
      isNew = true;
    }
    const records = childRt ? [...childRt.records.values()] : isNew ? [] : host.repo.resources(child.id);
    childRt = buildRuntime(child, rt.rootBundle, records, { depth: rt.depth + 1, facade, maxDepth: host.maxNestedDepth, path: [...rt.path, rec.name], reapplied: rt.reapplied });
    outputs = await host.converge(childRt, action, signal);
    child = childRt.record;
    current = t;
  };

  const batches = hooks.batches?.(props, prev, ctx);
  if (batches) {
    for (let i = 0; i < batches.count; i++) {
      host.progress(rt.record, rec, `${batches.label}: batch ${i + 1} of ${batches.count}`);
      await converge(batches.build(i, current));
      if (i < batches.count - 1 && batches.pauseSeconds > 0) {
        host.progress(rt.record, rec, `${batches.label}: pausing ${batches.pauseSeconds} s after batch ${i + 1} of ${batches.count}`);
        await sleep(batches.pauseSeconds * 1000, signal);
      }
    }
  }
  if (!sameTemplate(current, spec) || childRt === undefined) await converge(spec);
  const done = childRt!;
  const view: NestedView = {
    stackId: done.record.id,
    stackName: done.record.name,
    outputs,
    resources: done.active.map((n) => {
      const r = done.records.get(n)!;
      return { name: n, refId: r.refId, attributes: r.attributes };
    }),
  };
  apply(rec, hooks.collect(view, spec));
  if (spec.handle !== undefined) rec.handle = spec.handle;
}
