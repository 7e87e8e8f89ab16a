import { request } from 'node:http';

/** The outcome of one health probe; `detail` says what happened in a few words. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** The URL the supervisor probes: the instance's port on 127.0.0.1. */
export function healthUrl(port: number, healthPath: string): string {
  return `http://127.0.0.1:${port}${healthPath}`;
}

/**
 * One HTTP GET on a fresh connection; status 200..399 passes (redirects are not followed).
 * Never throws: refused connections and timeouts are failed probes.
 */
export function probeHealth(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request(url, { agent: false, headers: { 'user-agent': 'runway-supervisor' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish({ ok: status >= 200 && status < 400, detail: `status ${status}` });
    });
    const timer = setTimeout(
      () => finish({ ok: false, detail: `no answer within ${timeoutMs}ms` }),
      timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, detail: err.code ?? err.message }));
    req.end();
  });
}
