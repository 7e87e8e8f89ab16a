import type { Context } from 'hono';
import type { ApiEnv } from './app.ts';
import type { Action, Caller, Scope } from './auth/roles.ts';
import type { ParamKind } from './request.ts';

/** What a route's handler gets: the URL, the checked path parameters, the JSON body, the caller. */
export interface ApiCall {
  url: URL;
  params: string[];
  body: unknown;
  caller: Caller;
  /** The Hono context, for answers that are not one JSON body (server-sent events). */
  context: Context<ApiEnv>;
}

/** One endpoint of the control-plane API; `runway serve` mounts each on its Hono app. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Hono path, e.g. `/v1/rollouts/:id`. */
  path: string;
  /** One line for the OpenAPI description. */
  summary: string;
  /** What the call does, so which roles may make it. */
  action: Action;
  /** What each path parameter names, in order (default: service or environment names). */
  params?: readonly ParamKind[];
  /** Where the call acts, for tokens scoped to services or environments. */
  scope?: (params: string[], body: unknown) => Scope | Promise<Scope>;
  /**
   * No token: the handler authenticates the request itself (a webhook's signature over the raw
   * body, which it gets as a Buffer); audited as {@link ApiRoute.caller}.
   */
  signed?: { caller: Caller };
  /** The caller cannot send headers (Flagger webhooks): the token may come as `metadata.token`. */
  tokenInMetadata?: boolean;
  handle(call: ApiCall): Promise<[number, unknown] | Response>;
}

/** The scope of a route whose first two parameters are service and environment. */
export const serviceAndEnvironment = ([service, environment]: string[]): Scope => ({
  ...(service === undefined ? {} : { service }),
  ...(environment === undefined ? {} : { environment }),
});
