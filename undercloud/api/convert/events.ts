import type { Event } from '../../../proto/gen/undercloud/v1/undercloud.js';
import type { StoredEvent } from '../../store/events.js';

export function eventToProto(e: StoredEvent): Event {
  return { id: e.id, timestamp: e.ts, kind: e.kind, subjectType: e.subjectType, subjectId: e.subjectId, severity: e.severity, message: e.message, dataJson: JSON.stringify(e.data) };
}
