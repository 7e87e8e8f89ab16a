/** A run that may not be resumed (still owned by a live process, or already finished). */
export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

/** A secret the pipeline declares but the environment does not provide. */
export class MissingSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingSecretError';
  }
}
