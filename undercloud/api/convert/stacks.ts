/** Conversions between orchestration domain types and undercloud.v1 orchestration messages. */
import type { Resource as ResourceMsg, Stack as StackMsg, StackRequest as StackRequestMsg, Failure as FailureMsg } from '../../../proto/gen/undercloud/v1/orchestration.js';
import type { ResourceRecord, StackRecord } from '../../store/stacks.js';
import type { Failure, StackRequest } from '../../orchestration/engine/engine.js';
import type { Json } from '../../orchestration/template/types.js';
import { InvalidError } from '../../errors.js';

export function stackToProto(s: StackRecord, counts: Record<string, number> = {}): StackMsg {
  return {
    id: s.id, name: s.name, action: s.action, status: s.status, statusReason: s.statusReason, outputsJson: JSON.stringify(s.outputs ?? {}),
    createdAt: s.createdAt, updatedAt: s.updatedAt, resourceCounts: counts, timeoutMinutes: s.timeoutMinutes ?? 0,
  };
}

export function resourceToProto(r: ResourceRecord & { stackName: string }): ResourceMsg {
  return {
    stackName: r.stackName, name: r.name, type: r.type, action: r.action, status: r.status, statusReason: r.statusReason,
    physicalId: r.refId ?? '', nestedStackId: r.nestedStackId ?? '', updatedAt: r.updatedAt,
  };
}

export function failureToProto(f: Failure): FailureMsg {
  return { stackName: f.stackName, resource: f.resource, type: f.type, state: f.state, reason: f.reason, stdoutTail: f.stdoutTail, stderrTail: f.stderrTail };
}

export function stackRequestFromProto(m: StackRequestMsg): StackRequest {
  if (!m.name) throw new InvalidError('STACK_NAME_REQUIRED', 'a stack name is required');
  if (!m.bundle || !m.bundle.rootTemplate) throw new InvalidError('TEMPLATE_REQUIRED', 'a template bundle with a root template is required');
  let parameters: Record<string, Json> = {};
  if (m.parametersJson) {
    const parsed = parseJson(m.parametersJson, 'parameters_json');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidError('PARAMETERS_INVALID', 'parameters_json must be a JSON object');
    parameters = parsed;
  }
  return {
    name: m.name,
    bundle: { rootTemplate: m.bundle.rootTemplate, files: m.bundle.files, environments: m.bundle.environments, ...(m.bundle.rolesData ? { rolesData: m.bundle.rolesData } : {}), ...(m.bundle.networksData ? { networksData: m.bundle.networksData } : {}) },
    parameters,
    ...(m.timeoutMinutes > 0 ? { timeoutMinutes: m.timeoutMinutes } : {}),
    ...(m.rollback ? { rollback: true } : {}),
    ...(m.reapply ? { reapply: m.reapply.servers.length > 0 ? { servers: m.reapply.servers } : {} } : {}),
  };
}

export function parseJson(text: string, field: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new InvalidError('JSON_INVALID', `${field} is not valid JSON: ${(err as Error).message}`);
  }
}
