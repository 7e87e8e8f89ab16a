/** HTTP API of the sample service. Run directly (`node src/server.ts`) to listen on 127.0.0.1:$PORT. */
import { realpathSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parseTask, score, TaskError } from './priority.ts';
import type { Task } from './priority.ts';
import { connectRedis } from './redis.ts';
import type { RedisClient } from './redis.ts';

export interface ServerOptions {
  /** Reported by /health; defaults to $RELEASE_VERSION, then "dev". */
  version?: string;
  /** Counts created tasks in Redis on this port when given. */
  redis?: RedisClient;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new TaskError('body is not JSON');
  }
}

/** The service: /health, POST /v1/tasks (scores a task), GET /v1/tasks (the queue, highest first). */
export function createServer(options: ServerOptions = {}): Server {
  const version = options.version ?? process.env['RELEASE_VERSION'] ?? 'dev';
  const tasks: (Task & { id: number; score: number })[] = [];
  return http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/health') return sendJson(res, 200, { status: 'healthy', version });
      if (req.url === '/v1/tasks' && req.method === 'POST') {
        const task = parseTask(await readJson(req));
        const entry = { ...task, id: tasks.length + 1, score: score(task) };
        tasks.push(entry);
        const created = options.redis ? await options.redis.command('INCR', 'tasks:created') : undefined;
        return sendJson(res, 201, { ...entry, ...(created === undefined ? {} : { created }) });
      }
      if (req.url === '/v1/tasks' && req.method === 'GET') {
        return sendJson(
          res,
          200,
          [...tasks].sort((a, b) => b.score - a.score),
        );
      }
      sendJson(res, 404, { error: 'not_found' });
    })().catch((err: unknown) => {
      if (err instanceof TaskError) sendJson(res, 400, { error: err.message });
      else sendJson(res, 500, { error: 'internal' });
    });
  });
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(new URL(import.meta.url))) {
  const redisPort = Number(process.env['REDIS_PORT'] ?? 0);
  const redis = redisPort ? await connectRedis(redisPort) : undefined;
  createServer(redis ? { redis } : {}).listen(Number(process.env['PORT'] ?? 4000), '127.0.0.1');
}
