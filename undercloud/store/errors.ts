import { UndercloudError } from '../errors.js';

/** The store file cannot be opened, is newer than this code, or a migration failed (the store is unchanged). */
export class StoreError extends UndercloudError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_ERROR', message, options);
  }
}
