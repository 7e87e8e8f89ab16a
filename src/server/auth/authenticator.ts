import { timingSafeEqual } from 'node:crypto';
import type { Caller } from './roles.ts';

/** Finds who a bearer token belongs to; undefined when it is nobody's. */
export interface Authenticator {
  authenticate(token: string): Promise<Caller | undefined>;
}

/** The caller of the server's own token (`<data dir>/server.token`): an unscoped admin. */
export const SERVER_TOKEN_CALLER: Caller = Object.freeze({
  id: 'server',
  name: 'server.token',
  role: 'admin',
  services: [],
  environments: [],
});

/** Compares two tokens in constant time. */
export function sameToken(text: string, token: string): boolean {
  const given = Buffer.from(text);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
