import { Agent, request } from 'node:http';

/** What a traffic generator saw, by status code (`error` when no response came). */
export interface TrafficReport {
  sent: number;
  byCode: Record<string, number>;
  /** Responses by the `X-Runway-Version` header. */
  byVersion: Record<string, number>;
}

/**
 * Sends `ratePerSecond` GET requests to 127.0.0.1:`port``path` until stopped, over a bounded
 * keep-alive pool, like a steady stream of users; counts what comes back.
 */
export function startTraffic(
  port: number,
  path: string,
  ratePerSecond: number,
): { stop(): Promise<TrafficReport> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const report: TrafficReport = { sent: 0, byCode: {}, byVersion: {} };
  let inFlight = 0;
  const count = (key: string) => (report.byCode[key] = (report.byCode[key] ?? 0) + 1);
  const timer = setInterval(
    () => {
      if (inFlight >= 64) return; // bounded: never pile up against a stalled server
      inFlight++;
      report.sent++;
      const req = request({ host: '127.0.0.1', port, path, agent, timeout: 5000 }, (res) => {
        const version = res.headers['x-runway-version'];
        if (typeof version === 'string') report.byVersion[version] = (report.byVersion[version] ?? 0) + 1;
        count(String(res.statusCode));
        res.resume();
        res.on('end', () => inFlight--);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        inFlight--;
        count('error');
      });
      req.end();
    },
    Math.max(1, Math.round(1000 / ratePerSecond)),
  );
  return {
    async stop() {
      clearInterval(timer);
      for (let i = 0; i < 50 && inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
      agent.destroy();
      return report;
    },
  };
}
