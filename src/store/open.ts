import { join, resolve } from 'node:path';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

/** Store kinds by URL scheme. */
export const STORE_KINDS = ['sqlite'] as const;

/** Where the store lives by default: `.runway/runway.db` under `root`. */
export function defaultStoreUrl(root: string): string {
  return `sqlite:${join(root, '.runway', 'runway.db')}`;
}

/**
 * Opens a store from a URL: `sqlite:<path>` or a bare path.
 * @example openStore('sqlite:.runway/runway.db')
 */
export function openStore(url: string): Store {
  if (url.startsWith('sqlite:')) url = url.slice('sqlite:'.length);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme) {
    throw new Error(
      `unknown store "${scheme}://" in ${JSON.stringify(url)}, expected one of: ${STORE_KINDS.join(', ')}`,
    );
  }
  return new SqliteStore(url === ':memory:' ? url : resolve(url));
}
