/** The site `service/environment` is not known to the agent. */
export class UnknownSiteError extends Error {
  readonly site: string;

  constructor(site: string) {
    super(`unknown site ${site}`);
    this.name = 'UnknownSiteError';
    this.site = site;
  }
}

/** A public port cannot be bound on 127.0.0.1 (in use, or `reason`); nothing was changed. */
export class PortInUseError extends Error {
  readonly port: number;

  constructor(port: number, reason?: string) {
    super(
      reason === undefined
        ? `port ${port} is already in use on 127.0.0.1`
        : `port ${port} cannot be bound on 127.0.0.1: ${reason}`,
    );
    this.name = 'PortInUseError';
    this.port = port;
  }
}
