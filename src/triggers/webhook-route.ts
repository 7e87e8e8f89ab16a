/*
 * `POST /v1/github/webhook`: GitHub's push and pull_request deliveries, authenticated by their
 * `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the webhook's secret, checked in constant
 * time by @octokit/webhooks-methods) instead of a token; a delivery that passes the filters of
 * `on:` starts a run.
 */
import { verify } from '@octokit/webhooks-methods';
import { DeployError } from '../deploy/deployments.ts';
import type { ApiRoute } from '../server/route.ts';
import { decideGithubEvent } from './github-event.ts';
import type { RunStarter } from './run-starter.ts';
import type { Triggers } from './triggers.ts';

/** The environment variable of `runway serve` holding the webhook secret. */
export const WEBHOOK_SECRET_ENV = 'RUNWAY_WEBHOOK_SECRET';

/** What the webhook answers from. */
export interface WebhookDeps {
  /** `on:` of the served pipeline (undefined: none, so nothing starts). */
  on: Triggers | undefined;
  starter: RunStarter;
  /** The shared secret; undefined refuses every delivery. */
  secret: string | undefined;
  log: (line: string) => void;
}

/**
 * Records a delivery as acted on (durably: in the store); false when it already was. GitHub
 * redelivers a delivery with the same X-GitHub-Delivery when it saw no answer, and a user may press
 * "Redeliver": either way it starts one run, across restarts of the control plane.
 */
export type ClaimDelivery = (delivery: string, event: string) => Promise<boolean>;

/** The GitHub webhook endpoint. */
export function webhookRoutes(d: WebhookDeps | undefined, claim: ClaimDelivery): ApiRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/github/webhook',
      summary:
        "GitHub's push and pull_request webhooks, verified by X-Hub-Signature-256 (no token); starts a run when on: matches.",
      action: 'trigger',
      signed: {
        caller: {
          id: 'github-webhook',
          name: 'github-webhook',
          role: 'deployer',
          services: [],
          environments: [],
        },
      },
      handle: async ({ body, context }) => {
        if (!d?.secret)
          throw new DeployError(401, `no webhook secret: start runway serve with ${WEBHOOK_SECRET_ENV} set`);
        const raw = body as Buffer;
        const signature = context.req.header('x-hub-signature-256') ?? '';
        if (!/^sha256=[0-9a-f]{64}$/.test(signature))
          throw new DeployError(
            401,
            'missing or malformed X-Hub-Signature-256: expected sha256=<64 hex digits>',
          );
        if (!(await verify(d.secret, raw.toString('utf8'), signature)))
          throw new DeployError(
            401,
            'X-Hub-Signature-256 does not match the body: wrong secret or altered payload',
          );
        const event = context.req.header('x-github-event') ?? '';
        const delivery = context.req.header('x-github-delivery') ?? '';
        let payload: unknown;
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new DeployError(
            400,
            "the delivery is not JSON: set the webhook's content type to application/json",
          );
        }
        const decision = decideGithubEvent(d.on, event, payload);
        if (!decision.start) {
          d.log(`github ${event} ${delivery}: nothing started: ${decision.why}`);
          return [200, { started: false, event, delivery, why: decision.why }];
        }
        // claimed before the run starts (at most once): a crash in between loses the start, never doubles it
        if (delivery !== '' && !(await claim(delivery, event)))
          return [200, { started: false, event, delivery, why: `delivery ${delivery} was already handled` }];
        const { log } = await d.starter.start({
          kind: 'github',
          event: event as 'push' | 'pull_request',
          payload: raw,
          delivery,
        });
        d.log(
          `github ${event} ${delivery}: run started for ${decision.context.ref ?? ''} (output in ${log})`,
        );
        return [
          202,
          { started: true, event, delivery, ref: decision.context.ref, sha: decision.context.sha },
        ];
      },
    },
  ];
}
