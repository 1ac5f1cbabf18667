export { Store, migrate, type StoreOptions } from './store.js';
export { StoreError } from './errors.js';
export { EventsRepo, matchesFilter, type NewEvent, type StoredEvent, type EventFilter, type Severity } from './events.js';
export { OperationsRepo, type Operation, type OperationState } from './operations.js';
export { migrations, type Migration } from './migrations/index.js';
