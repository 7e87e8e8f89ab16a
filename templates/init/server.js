// A small HTTP service for Runway to build, test and release. PORT comes from the environment.
import { createServer } from 'node:http';

/** The answer to one request: a status and a JSON body. */
export function handle(method, path) {
  if (method === 'GET' && path === '/health') return { status: 200, body: { status: 'ok' } };
  if (method === 'GET' && path === '/') return { status: 200, body: { service: '__NAME__' } };
  return { status: 404, body: { error: `no route for ${method} ${path}` } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  createServer((req, res) => {
    const { status, body } = handle(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }).listen(port, '127.0.0.1', () => console.log(`__NAME__ listening on 127.0.0.1:${port}`));
}
