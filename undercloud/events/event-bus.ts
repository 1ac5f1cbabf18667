/**
 * Publishes events: every event is stored first (so WatchEvents can resume from an id), then handed to
 * live subscribers once the surrounding transaction commits (so nobody sees an event that rolled back).
 * Domains publish through this bus and never write the events table themselves.
 */
import type { Store } from '../store/store.js';
import { matchesFilter, type EventFilter, type NewEvent, type StoredEvent } from '../store/events.js';

export type EventListener = (ev: StoredEvent) => void;

export class EventBus {
  private readonly listeners = new Set<{ filter: EventFilter; fn: EventListener }>();

  constructor(private readonly store: Store) {}

  publish(ev: NewEvent): StoredEvent {
    const stored = this.store.events.append(ev);
    this.store.afterCommit(() => this.deliver(stored));
    return stored;
  }

  /** Live events matching `filter`; returns the unsubscribe function. */
  subscribe(filter: EventFilter, fn: EventListener): () => void {
    const entry = { filter, fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  private deliver(ev: StoredEvent): void {
    for (const l of this.listeners) {
      if (!matchesFilter(ev, l.filter)) continue;
      try {
        l.fn(ev);
      } catch {
        // A broken subscriber (a closed stream) must not stop delivery to the others.
      }
    }
  }
}
