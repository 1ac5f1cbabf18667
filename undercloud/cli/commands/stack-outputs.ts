/** A stack's outputs as the CLI reads them (credentials, export, node extract, support report). */
import { OrchestrationClient } from '../../../proto/gen/undercloud/v1/orchestration.js';
import { call, type Connection } from '../common/client.js';

/** Output name -> value of stack `stack` ({} when it has none yet); a stack that does not exist is NOT_FOUND. */
export async function stackOutputs(conn: Connection, stack: string): Promise<Record<string, unknown>> {
  const orch = conn.client(OrchestrationClient);
  return JSON.parse((await call(conn, orch.getOutputs, orch, { name: stack })).outputsJson || '{}') as Record<string, unknown>;
}
