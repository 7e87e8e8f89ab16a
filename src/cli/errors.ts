/** Exit codes: the only place they are defined. */
export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 4, pending: 8, internal: 70 } as const;

/** A mistake in how runway was called (flags, arguments, missing run). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
