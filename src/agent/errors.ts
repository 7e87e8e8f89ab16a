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

/** A write carried a fencing token lower than one the site already saw: its sender lost its lease. */
export class StaleFenceError extends Error {
  readonly site: string;

  constructor(site: string, fence: number, seen: number) {
    super(
      `site ${site} refuses fencing token ${fence}: token ${seen} was already used (a newer control plane owns it)`,
    );
    this.name = 'StaleFenceError';
    this.site = site;
  }
}
