/** A provider that cannot be built as configured (unknown name, bad address, missing dependency). */
export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}
