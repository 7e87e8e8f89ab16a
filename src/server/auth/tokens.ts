/*
 * API tokens: `rwy_` and 43 characters of randomness, stored only as their SHA-256 (a token is
 * random, not a password, so one fast hash is as good as a slow one). The clear token is shown once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiTokenRecord } from '../../records/api-tokens.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../../engine/clock.ts';
import { ROLES, type Caller, type Role } from './roles.ts';
import { sameToken, SERVER_TOKEN_CALLER, type Authenticator } from './authenticator.ts';

/** What a new token is for. */
export interface TokenRequest {
  name: string;
  role: string;
  services?: readonly string[];
  environments?: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SCOPE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The hex SHA-256 of a token, as the store keeps it. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Why a token request is malformed, or undefined. */
export function tokenRequestIssue(r: TokenRequest): string | undefined {
  if (!NAME.test(r.name)) return `token name "${r.name}" must match ${NAME.source}`;
  if (!ROLES.includes(r.role as Role)) return `role "${r.role}" is not one of ${ROLES.join(', ')}`;
  for (const s of [...(r.services ?? []), ...(r.environments ?? [])])
    if (!SCOPE.test(s)) return `scope "${s}" is not a service or environment name (${SCOPE.source})`;
  return undefined;
}

/** Creates a token; returns its record and the clear token (shown once, never stored). */
export async function createToken(
  store: Pick<Store, 'createApiToken'>,
  r: TokenRequest,
  clock: Clock,
): Promise<{ record: ApiTokenRecord; token: string } | { issue: string }> {
  const issue = tokenRequestIssue(r);
  if (issue) return { issue };
  const token = `rwy_${randomBytes(32).toString('base64url')}`;
  const record: ApiTokenRecord = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    name: r.name,
    role: r.role,
    services: [...(r.services ?? [])],
    environments: [...(r.environments ?? [])],
    hash: hashToken(token),
    createdAt: clock.now().toISOString(),
  };
  if (!(await store.createApiToken(record))) return { issue: `a token named "${r.name}" already exists` };
  return { record, token };
}

/** A token record without its hash, as `runway token list` and the API show it. */
export function publicToken(t: ApiTokenRecord): Omit<ApiTokenRecord, 'hash'> {
  const { hash: _hash, ...rest } = t;
  return rest;
}

/** Accepts the server's own token (an admin) and every unrevoked token of the store. */
export class StoreAuthenticator implements Authenticator {
  readonly #store: Pick<Store, 'apiTokenByHash'>;
  readonly #serverToken: string;

  constructor(store: Pick<Store, 'apiTokenByHash'>, serverToken: string) {
    if (serverToken.length === 0) throw new RangeError('the server token must not be empty');
    this.#store = store;
    this.#serverToken = serverToken;
  }

  async authenticate(token: string): Promise<Caller | undefined> {
    if (token.length === 0) return undefined;
    if (sameToken(token, this.#serverToken)) return SERVER_TOKEN_CALLER;
    const t = await this.#store.apiTokenByHash(hashToken(token));
    if (!t || t.revokedAt !== undefined || !ROLES.includes(t.role as Role)) return undefined;
    return {
      id: t.id,
      name: t.name,
      role: t.role as Role,
      services: t.services,
      environments: t.environments,
    };
  }
}
