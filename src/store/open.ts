import { join, resolve } from 'node:path';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

/** Store kinds by URL scheme. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;

/** Where the store lives by default: `.runway/runway.db` under `root`. */
export function defaultStoreUrl(root: string): string {
  return `sqlite:${join(root, '.runway', 'runway.db')}`;
}

/** Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * A store URL fit for logs and messages: the password, if any, replaced by `***`.
 * @example redactStoreUrl('postgres://app:pw@db/runway') // 'postgres://app:***@db/runway'
 */
export function redactStoreUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * Opens a store from a URL: `sqlite:<path>`, a bare path, or `postgres://user:pw@host:port/db`.
 * Migrates it first; a store written by a newer runway is refused. Errors never carry the password.
 * @example await openStore('sqlite:.runway/runway.db')
 */
export async function openStore(url: string): Promise<Store> {
  if (isPostgresUrl(url)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    try {
      return await PostgresStore.open(url);
    } catch (err) {
      const message = (err as Error).message.split(url).join(redactStoreUrl(url));
      throw new Error(`cannot open ${redactStoreUrl(url)}: ${message}`, { cause: err });
    }
  }
  if (url.startsWith('sqlite:')) url = url.slice('sqlite:'.length);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme) {
    throw new Error(
      `unknown store "${scheme}://" in ${JSON.stringify(redactStoreUrl(url))}, expected one of: ${STORE_KINDS.join(', ')}`,
    );
  }
  return new SqliteStore(url === ':memory:' ? url : resolve(url));
}
