import { request } from 'node:http';

/**
 * Probes `http://127.0.0.1:<port><path>` once: healthy when it answers 2xx or 3xx within
 * `timeoutMs`. Never rejects.
 */
export function probeHealth(port: number, path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 400);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
