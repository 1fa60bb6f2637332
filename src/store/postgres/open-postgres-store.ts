import type { Logger } from 'pino';
import type { OpenedStore } from '../open-store.js';

export async function openPostgresStore(_url: string, _logger: Logger): Promise<OpenedStore> {
  throw new Error('the PostgreSQL store is not built yet');
}
