import type { Database } from 'better-sqlite3';

/** One schema step. `version` numbers are unique and increasing; a migration never changes once landed. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** SQL run as one script, or a function for steps that need logic. Runs inside the migration's transaction. */
  readonly up: string | ((db: Database) => void);
}
