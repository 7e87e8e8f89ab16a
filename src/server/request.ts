/*
 * Reading a request safely: the JSON body under a size limit, path parameters checked by what they
 * name, and draining what a refused client still sends so it reads the answer, not a reset.
 */
import type { IncomingMessage } from 'node:http';
import { DeployError } from '../deploy/deployments.ts';
import { NAME, VERSION } from '../deploy/rollout-request.ts';
import { jsonErrorReason } from '../engine/json-error.ts';

/** The largest request body the API reads. */
export const MAX_BODY = 1024 * 1024;

/** What a path parameter names, and so the rule it must follow. */
export type ParamKind = 'name' | 'version' | 'id' | 'token';

const ROLLOUT_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;
const TOKEN_REF = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The body's bytes; 413 past {@link MAX_BODY}. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // read to the end even past the limit (discarding it), so the client gets the answer, not a reset
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY) throw new DeployError(413, `request body over ${MAX_BODY} bytes (1 MiB)`);
  return Buffer.concat(chunks);
}

/** The body as JSON (undefined when empty); 413 past {@link MAX_BODY}, 400 when not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DeployError(400, `request body is not JSON: ${jsonErrorReason(err)}`);
  }
}

/** Decodes raw path segments and checks each against the rule of what it names. */
export function checkedParams(raw: readonly string[], kinds: readonly ParamKind[]): string[] {
  return raw.map((p, i) => {
    let value: string;
    try {
      value = decodeURIComponent(p);
    } catch {
      throw new DeployError(400, `path segment "${p}" is not valid percent-encoding`);
    }
    const kind = kinds[i] ?? 'name';
    const rule = { version: VERSION, id: ROLLOUT_ID, token: TOKEN_REF, name: NAME }[kind];
    if (!rule.test(value)) {
      throw new DeployError(
        400,
        `${kind === 'name' ? 'service or environment' : kind === 'token' ? 'token id or name' : kind} "${value}" must match ${rule.source}`,
      );
    }
    return value;
  });
}

/** A matcher of raw (still percent-encoded) paths for a route path such as `/v1/rollouts/:id`. */
export function pathMatcher(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\/');
  return new RegExp(`^${source}$`);
}

/** Waits (at most 10 s) until the client has sent its whole body, discarding it. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.complete) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, 10_000);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}

/** The raw path of a request (percent-encoding kept); a path starting with `//` stays a path. */
export function rawPath(req: IncomingMessage): string {
  try {
    return new URL(`http://x${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`).pathname;
  } catch {
    throw new DeployError(400, `request target "${String(req.url).slice(0, 100)}" is not a valid path`);
  }
}
