/*
 * The OpenAPI 3.1 description of the API, generated from the same route definitions the server
 * mounts, so it cannot drift: `npm run api-docs` writes docs/openapi.json and docs/api.md, and a
 * test fails when either differs from what the routes say.
 */
import { ALLOWED } from './auth/roles.ts';
import type { ApiRoute } from './route.ts';

/** Routes the app answers outside the route table: open to everyone. */
const OPEN_ROUTES = [
  { method: 'GET', path: '/v1/health', summary: 'Liveness: `{ ok, pid }`. Needs no token.' },
  {
    method: 'GET',
    path: '/metrics',
    summary:
      'Prometheus metrics of the control plane (ci_pipeline_runs_total, canary_rollbacks_total…). Needs no token.',
  },
] as const;

const ERRORS: Record<string, string> = {
  '400': 'Malformed request; `{ error, issues? }` names the field.',
  '401': 'Missing, unknown or revoked token.',
  '403': "The token's role or scope does not allow this call; `error` names the role needed.",
  '404': 'No such resource.',
  '409': 'The request does not fit the current state.',
  '413': 'Body over 1 MiB.',
};

/** An OpenAPI 3.1 document describing `routes`. */
export function openApiDocument(routes: readonly ApiRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of OPEN_ROUTES) {
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      security: [],
      responses: { '200': { description: 'OK' } },
    };
  }
  for (const r of routes) {
    const names = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const errors = Object.fromEntries(
      Object.keys(ERRORS).map((code) => [code, { $ref: `#/components/responses/E${code}` }]),
    );
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      'x-runway-action': r.action,
      'x-runway-roles': [...ALLOWED[r.action]],
      ...(r.tokenInMetadata ? { 'x-runway-token-in-metadata': true } : {}),
      ...(names.length > 0
        ? {
            parameters: names.map((name) => ({
              name,
              in: 'path',
              required: true,
              schema: { type: 'string' },
            })),
          }
        : {}),
      ...(r.method === 'GET' || r.method === 'DELETE'
        ? {}
        : {
            requestBody: {
              required: false,
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          }),
      responses: {
        '200': { description: 'OK (201 when something was created)' },
        ...errors,
      },
    };
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Runway control-plane API',
      version: '1',
      description:
        'The API of `runway serve`. Every /v1 route but /v1/health needs `Authorization: Bearer <token>`; each names the roles that may call it (x-runway-roles).',
    },
    servers: [{ url: 'http://127.0.0.1:{port}', variables: { port: { default: '8080' } } }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [
          `E${code}`,
          {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
    paths: sorted,
  };
}

/** docs/api.md: the OpenAPI document as a Markdown reference. */
export function apiMarkdown(doc: Record<string, unknown>): string {
  const paths = doc['paths'] as Record<string, Record<string, Record<string, unknown>>>;
  const lines = [
    '# Runway API',
    '',
    '<!-- generated from docs/openapi.json by `npm run api-docs`; do not edit -->',
    '',
    'The HTTP API of `runway serve` (127.0.0.1). Every `/v1` route but `/v1/health` needs',
    "`Authorization: Bearer <token>`: the server's own token (`<data dir>/server.token`, an admin) or one",
    'made with `runway token create NAME --role viewer|deployer|approver|admin [--service S] [--env E]`.',
    'Errors are JSON `{ "error": "…", "issues"?: [{ "field", "message" }] }`: 401 without a valid token, 403',
    'when the role or scope does not allow the call (the message names the role needed). Every call with a',
    'token but a GET is written to the audit log (`runway audit`). The machine-readable description is',
    '[`openapi.json`](openapi.json), also served at `GET /v1/openapi.json`.',
    '',
    '| Method | Path | Roles | What it does |',
    '|---|---|---|---|',
  ];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const roles = (op['x-runway-roles'] as string[] | undefined)?.join(', ') ?? 'no token';
      const summary = String(op['summary']).replace(/\|/g, '\\|');
      lines.push(`| ${method.toUpperCase()} | \`${path}\` | ${roles} | ${summary} |`);
    }
  }
  lines.push(
    '',
    'A token scoped to services or environments (`--service`, `--env`) sees the lists of every service but',
    'acts on, and reads the details of, only what its scope names; a mutating call that names no service',
    'needs an unscoped token.',
    '',
  );
  return lines.join('\n');
}
