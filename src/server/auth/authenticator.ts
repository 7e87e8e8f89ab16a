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

/** Accepts the server's own token only, as an admin. */
export class ServerTokenAuthenticator implements Authenticator {
  readonly #token: string;

  constructor(token: string) {
    if (token.length === 0) throw new RangeError('the server token must not be empty');
    this.#token = token;
  }

  async authenticate(token: string): Promise<Caller | undefined> {
    return sameToken(token, this.#token) ? SERVER_TOKEN_CALLER : undefined;
  }
}
