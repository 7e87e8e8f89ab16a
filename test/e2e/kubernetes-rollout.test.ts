/*
 * Issue #12, must-show 3 through the user's path: `runway run` on a runway.yaml whose production is
 * `kind: kubernetes`, with `runway serve` as the control plane, against the stand-in API server
 * (src/targets/kubernetes/stand-in-api.fixture.ts: server-side apply with managedFields, resource
 * versions, watches with bookmarks). A full canary, an automatic rollback, and a kill -9 of the
 * control plane mid-rollout. The weights are read from the HTTPRoute applies the stand-in received,
 * and every manifest Runway sent is validated against the official schemas.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/gates/supply-chain/dsse.ts';
import { buildProvenance, RUNWAY_BUILDER_ID } from '../../src/gates/supply-chain/provenance.ts';
import { startStandInApi, type StandInApi } from '../../src/targets/kubernetes/stand-in-api.fixture.ts';
import { validateSent } from '../../src/targets/kubernetes/schemas.fixture.ts';
import { alive, project, runway, spawnRunway, type CliResult } from './helpers.ts';

const NS = 'production';
const APPS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const ROUTES = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`;
const image = (tag: string, hex: string) => `ghcr.io/acme/shop:${tag}@sha256:${hex.repeat(64 / hex.length)}`;
const V1 = image('1.0', 'a');
const V2 = image('2.0', 'b');
const V3 = image('3.0', 'c');
const V4 = image('4.0', 'd');
const V5 = image('5.0', 'e');
const V6 = image('6.0', 'f');

type Step = Record<string, unknown>;

/** The user's Deployment and Service, as `kubectl apply` left them. */
function seedCluster(api: StandInApi): void {
  api.seed(APPS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop', labels: { app: 'shop' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: { containers: [{ name: 'shop', image: V1, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
  api.seed(`/api/v1/namespaces/${NS}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'shop' },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'shop' },
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    },
  });
}

function pipelineYaml(analysisUrl: string, step: Step | Step[], verifyKey?: string): string {
  return stringify(
    {
      version: 1,
      service: { name: 'shop', health: '/health' },
      environments: {
        production: {
          target: {
            kind: 'kubernetes',
            namespace: NS,
            deployment: 'shop',
            service: 'shop',
            port: 80,
            route: { name: 'shop', gateway: 'public', 'gateway-namespace': 'infra' },
          },
          ...(verifyKey === undefined ? {} : { verify: { key: verifyKey } }),
        },
      },
      analysis: {
        checkout: {
          metrics: [
            {
              name: 'checkout-ok',
              interval: '500ms',
              count: 2,
              successCondition: 'result == 200',
              provider: { web: { url: analysisUrl } },
            },
          ],
        },
      },
      stages: { production: { steps: Array.isArray(step) ? step : [step] } },
    },
    { lineWidth: 0 },
  );
}

const canary = (version: string, img: string, pause = '1s') => ({
  uses: 'rollout',
  with: {
    environment: 'production',
    version,
    image: img,
    'scale-down-delay': '0s',
    steps: [
      { setWeight: 20 },
      { pause: { duration: pause } },
      { setWeight: 50 },
      { analysis: { templates: ['checkout'] } },
    ],
  },
});

/** Canary per-mille of every HTTPRoute apply the stand-in received since `from`, in order. */
function routeWeights(api: StandInApi, from = 0): number[] {
  return api.applied
    .slice(from)
    .filter((a) => a.path.startsWith(`${ROUTES}/`))
    .map((a) => {
      const rules = (a.body['spec'] as { rules: { backendRefs: { name: string; weight: number }[] }[] })
        .rules;
      return rules.at(-1)!.backendRefs.find((b) => b.name === 'shop-canary')!.weight;
    });
}

/** Repeated weights collapsed: [0, 0, 200, 200, 500] → [0, 200, 500]. */
const steps = (ws: number[]) => ws.filter((w, i) => i === 0 || ws[i - 1] !== w);

function containerImage(d: Record<string, unknown> | undefined): string | undefined {
  return (d?.['spec'] as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template
    .spec.containers[0]?.image;
}

/**
 * Waits (up to 15 s) until `check` holds: the rollout is recorded complete when the controller
 * decides, and the target carries out the promotion right after (stable's template, ready, route
 * back, canary to zero).
 */
async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await sleep(50);
  assert.ok(check(), what);
}

const canaryReplicas = (api: StandInApi) =>
  (api.get(APPS, 'shop-canary')?.['spec'] as { replicas: number } | undefined)?.replicas;

describe('runway run on a kubernetes environment (stand-in API server)', { timeout: 180_000 }, () => {
  let api: StandInApi;
  let dir: string;
  let serve: ChildProcess | undefined;
  let analysis: Server;
  let analysisStatus = 200;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  const startServe = async (): Promise<ChildProcess> => {
    const info = join(dir, '.runway', 'runway', 'server.json');
    // no kubeconfig in runway.yaml: runway serve finds the cluster as kubectl does, by $KUBECONFIG
    const child = spawnRunway(['serve'], { cwd: dir, env: { KUBECONFIG: api.kubeconfig } });
    // the control plane's log, for a failure's explanation
    const log = createWriteStream(join(dir, 'serve.log'), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    for (let i = 0; i < 200; i++) {
      if (existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === child.pid)
        break;
      await sleep(50);
    }
    assert.ok(existsSync(info), 'runway serve started');
    return child;
  };

  const write = (step: Step | Step[], verifyKey?: string) => {
    const url = `http://127.0.0.1:${(analysis.address() as AddressInfo).port}/checkout`;
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml(url, step, verifyKey));
  };

  before(async () => {
    api = await startStandInApi({ readyAfterMs: 150, bookmarkMs: 300 });
    seedCluster(api);
    analysis = createServer((_req, res) => {
      res.statusCode = analysisStatus;
      res.end();
    });
    analysis.listen(0, '127.0.0.1');
    await once(analysis, 'listening');
    dir = project('');
    write({ uses: 'deploy', with: { environment: 'production', version: 'v1', image: V1 } });
    serve = await startServe();
  });

  after(async () => {
    await cli(['serve', 'stop']).catch(() => undefined);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    analysis?.close();
    await api?.close();
    if (process.env['KEEP_E2E'] === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  });

  it('deploys the image the Deployment already runs as the first stable release', async () => {
    write({ uses: 'deploy', with: { environment: 'production', version: 'v1', image: V1 } });
    const run = await cli(['run']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(containerImage(api.get(APPS, 'shop')), V1);
  });

  it('(a) a full canary: 20% → 50% → 100% in the HTTPRoute, then stable on the new image and the canary at 0', async () => {
    const from = api.applied.length;
    write(canary('v2', V2));
    const run = await cli(['run']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // the step ends once the cluster rolled stable out to the new image, not when the rollout is recorded
    assert.match(run.stdout, /production runs v2 on its stable workload: 2 ready/);
    assert.equal(containerImage(api.get(APPS, 'shop')), V2);
    await eventually('the canary is scaled to zero', () => canaryReplicas(api) === 0);
    const weights = steps(routeWeights(api, from));
    assert.deepEqual(
      weights.slice(weights.indexOf(200)),
      [200, 500, 1000, 0],
      `weights: ${weights.join(' → ')}`,
    );
    assert.equal(containerImage(api.get(APPS, 'shop')), V2);
    assert.equal(
      (api.get(APPS, 'shop')?.['spec'] as { replicas: number }).replicas,
      2,
      "stable's scale is the user's",
    );
    // the route went back to stable before the canary was scaled down
    const sent = api.applied.slice(from);
    const lastRoute = sent.findLastIndex((a) => a.path.startsWith(`${ROUTES}/`));
    const scaledDown = sent.findLastIndex((a) => a.path === `${APPS}/shop-canary`);
    assert.ok(lastRoute < scaledDown, 'traffic left the canary before it was scaled to zero');
    // Runway's applies are server-side applies by its own field manager; the user's keep theirs
    assert.ok(sent.every((a) => a.manager === 'runway'));
    const fields = (api.get(APPS, 'shop')?.['metadata'] as { managedFields: { manager: string }[] })
      .managedFields;
    assert.deepEqual(fields.map((f) => f.manager).sort(), ['kubectl-client-side-apply', 'runway']);
    for (const a of api.applied) validateSent(a.body);
  });

  it('(b) an automatic rollback: analysis fails, traffic back to stable first, then the canary at 0', async () => {
    analysisStatus = 500;
    const from = api.applied.length;
    write(canary('v3', V3));
    const run = await cli(['run']);
    analysisStatus = 200;
    assert.notEqual(run.code, 0);
    assert.match(run.stdout + run.stderr, /rolled back/);
    const weights = steps(routeWeights(api, from));
    assert.deepEqual(weights.slice(weights.indexOf(200)), [200, 500, 0], `weights: ${weights.join(' → ')}`);
    assert.equal(containerImage(api.get(APPS, 'shop')), V2, 'stable still runs v2');
    const sent = api.applied.slice(from);
    const lastRoute = sent.findLastIndex((a) => a.path.startsWith(`${ROUTES}/`));
    const scaledDown = sent.findLastIndex(
      (a) => a.path === `${APPS}/shop-canary` && (a.body['spec'] as { replicas: number }).replicas === 0,
    );
    assert.ok(lastRoute < scaledDown, 'route to stable first, then the canary scaled to zero');
    assert.equal(canaryReplicas(api), 0);
    for (const a of sent) validateSent(a.body);
  });

  it('(c) kill -9 of runway serve mid-rollout, restart: the rollout resumes to success, nothing applied twice that matters', async () => {
    const from = api.applied.length;
    write(canary('v4', V4, '4s'));
    const running = cli(['run']);
    // wait until the canary takes 20 %, then kill the control plane during the pause
    for (let i = 0; i < 400 && !routeWeights(api, from).includes(200); i++) await sleep(25);
    assert.ok(routeWeights(api, from).includes(200), 'the canary reached 20 %');
    const pid = serve!.pid!;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
    const beforeRestart = api.applied.length;
    serve = await startServe();
    const run = await running;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await eventually('the canary is scaled to zero', () => canaryReplicas(api) === 0);
    const weights = steps(routeWeights(api, from));
    assert.deepEqual(
      weights.slice(weights.indexOf(200)),
      [200, 500, 1000, 0],
      `weights: ${weights.join(' → ')}`,
    );
    assert.equal(containerImage(api.get(APPS, 'shop')), V4);
    assert.equal(canaryReplicas(api), 0);
    // the restarted control plane re-applied what it found (idempotent server-side applies), and
    // never started the canary at 0 % again nor went back below the weight it had reached
    const resumed = routeWeights(api, beforeRestart);
    assert.ok(
      !resumed.slice(0, resumed.indexOf(1000)).some((w) => w < 200),
      `after restart: ${resumed.join(' → ')}`,
    );
    // the canary was re-applied as it was (same image, same replicas: no pod restarted) until the
    // promotion scaled it to zero
    const canaryApplies = api.applied.slice(beforeRestart).filter((a) => a.path === `${APPS}/shop-canary`);
    const shapes = canaryApplies.map((a) => {
      const spec = a.body['spec'] as {
        replicas: number;
        template: { spec: { containers: { image: string }[] } };
      };
      return `${spec.template.spec.containers[0]!.image === V4 ? 'v4' : 'other'}×${spec.replicas}`;
    });
    assert.deepEqual([...new Set(shapes)], ['v4×1', 'v4×0'], shapes.join(', '));
    for (const a of api.applied.slice(from)) validateSent(a.body);
  });

  it('a crash-looping canary (CrashLoopBackOff in its pod status) is rolled back on its own', async () => {
    const from = api.applied.length;
    const crashing = `ghcr.io/acme/crashloop:7.0@sha256:${'7'.repeat(64)}`;
    write(canary('v7', crashing));
    const run = await cli(['run']);
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, /aborted: v7 is crash-looping; v4 keeps serving production/);
    await eventually('the canary is scaled to zero', () => canaryReplicas(api) === 0);
    assert.equal(containerImage(api.get(APPS, 'shop')), V4, 'stable still runs v4');
    assert.ok(!routeWeights(api, from).some((w) => w > 0), 'no traffic ever reached the crashing canary');
  });

  it('an image from an expression is checked when the step runs: a tag without a digest is refused, nothing sent', async () => {
    const from = api.applied.length;
    write([
      { id: 'build', run: 'echo "image=ghcr.io/acme/shop:latest" >> "$RUNWAY_OUTPUT"' },
      {
        uses: 'deploy',
        with: { environment: 'production', version: 'v8', image: '${{ steps.build.outputs.image }}' },
      },
    ]);
    const run = await cli(['run']);
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, /image "ghcr\.io\/acme\/shop:latest" is not pinned by digest/);
    assert.equal(api.applied.length, from);
  });

  it('runway rollout status reads the instances from pod status and the split from the HTTPRoute', async () => {
    const status = await cli(['rollout', 'status', 'shop', '--env', 'production', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const view = JSON.parse(status.stdout) as {
      site?: { weights: Record<string, number>; instances: { version: string; ready: boolean }[] };
    };
    assert.deepEqual(view.site?.weights, { v4: 1000 });
    assert.ok(
      view.site?.instances.some((i) => i.version === 'v4' && i.ready),
      status.stdout,
    );
  });

  it("verify: an image whose digest is not its attestation's subject is refused before anything is sent; the attested one deploys", async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'cosign.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const attest = (file: string, img: string) => {
      const hex = img.split('@sha256:')[1]!;
      const statement = buildProvenance({
        subject: { name: img.split('@')[0]!, digest: { sha256: hex } },
        builderId: RUNWAY_BUILDER_ID,
        slsaLevel: 2,
        externalParameters: {},
        resolvedDependencies: [],
        invocationId: 'e2e',
        finishedOn: new Date().toISOString(),
      });
      const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), privateKey);
      writeFileSync(join(dir, file), `${JSON.stringify(envelope)}\n`);
    };
    attest('v5.intoto.jsonl', V5);
    attest('v6.intoto.jsonl', V6);
    const from = api.applied.length;
    const deploy = (version: string, img: string, attestation: string) =>
      write(
        { uses: 'deploy', with: { environment: 'production', version, image: img, attestation } },
        'cosign.pub',
      );

    deploy('v5', V5, 'v6.intoto.jsonl');
    const refused = await cli(['run']);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stdout,
      /attestation check "digest" failed: image ghcr\.io\/acme\/shop:5\.0@sha256:e{64} is not the image its attestation names/,
    );
    assert.equal(api.applied.length, from, 'nothing was sent to the cluster');

    deploy('v5', V5, 'v5.intoto.jsonl');
    const run = await cli(['run']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /attestation verified: image ghcr\.io\/acme\/shop:5\.0 is sha256:eeeeeeeeeeee…/);
    await eventually(
      'stable runs v5',
      () => containerImage(api.get(APPS, 'shop')) === V5 && canaryReplicas(api) === 0,
    );
    for (const a of api.applied.slice(from)) validateSent(a.body);
  });
});
