/*
 * Issue #15: an existing Argo Rollout as a pipeline's production target. `runway run` passes the
 * release gate, then `uses: rollout` on `target: { kind: argo-rollouts }` makes the real `runway
 * serve` set the Rollout's image (pinned by digest), follow it through the watch (Progressing →
 * Paused → Healthy), keep every phase and step in its store, and pass `runway rollout promote` /
 * `abort` on as the Argo CLI does. A kill -9 of the control plane mid-rollout loses nothing: the
 * new one reads where the Rollout is from the cluster and keeps following.
 *
 * Kubernetes and the Argo controller do not run here: the API is a stand-in
 * (`rollout-api.fixture.ts`) answering like the recorded exchanges, every body the control plane
 * sends is validated against the Rollout CRD, and the test plays the Argo controller's status.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRolloutApi } from '../../src/targets/argo-rollouts/rollout-api.fixture.ts';
import type { RolloutApi, RolloutObject } from '../../src/targets/argo-rollouts/rollout-api.fixture.ts';
import { recorded } from '../../src/targets/kubernetes/schemas.fixture.ts';
import { alive, type CliResult, project, runway, spawnRunway } from './helpers.ts';
import { VERIFIED_SLSA_3_STEP } from './verified-provenance.ts';

const SERVICE = 'rollouts-demo';
const REPO_IMAGE = 'argoproj/rollouts-demo';
const image = (hex: string): string => `${REPO_IMAGE}@sha256:${hex.repeat(64)}`;
const STABLE = image('a');

/** The recorded Rollout (Argo CD test data) as a Healthy one running STABLE. */
function healthyRollout(): RolloutObject {
  const r = recorded<RolloutObject>('rollout-status-paused-canary-pause-step.yaml');
  const template = r.spec['template'] as { spec: { containers: Record<string, unknown>[] } };
  template.spec.containers[0]!['image'] = STABLE;
  r.status = {
    ...r.status,
    phase: 'Healthy',
    message: '',
    pauseConditions: null,
    controllerPause: false,
    currentStepIndex: 8,
    observedGeneration: String(r.metadata.generation),
  };
  delete r.status['pauseConditions'];
  return r;
}

function pipeline(kubeconfig: string, version: string, hex: string): string {
  return `version: 1
service: { name: ${SERVICE}, tier: 1, health: /health }
environments:
  production:
    target: { kind: argo-rollouts, kubeconfig: ${kubeconfig}, namespace: rollouts-demo, rollout: rollouts-demo }
windows:
  anytime: { timezone: UTC }
stages:
  evidence:
    steps:
${VERIFIED_SLSA_3_STEP}      - uses: evidence
        with:
          gates.build.typescript: pass
          gates.build.compile: pass
          gates.build.lint: pass
          gates.build.format: pass
          gates.quality.unit_tests: pass
          gates.quality.coverage: 90
          gates.quality.integration_tests: pass
          gates.quality.golden_path: pass
          gates.security.critical_cves: 0
          gates.security.high_cves: 0
          gates.security.secrets_found: 0
          gates.security.image_signed: true
          slo.error_budget_remaining: 90
          slo.fast_burn_rate: 0.5
          slo.slow_burn_rate: 0.5
          slo.rollbacks_last_24h: 0
  gate:
    needs: evidence
    steps:
      - uses: gate/release
        with: { environment: production, window: anytime }
  canary:
    needs: gate
    steps:
      - uses: rollout
        with: { environment: production, version: ${version}, image: '${image(hex)}' }
`;
}

interface StatusJson {
  rollout: {
    id: string;
    state: { phase: string; stepIndex: number; history: { event: string; detail: string }[] };
  };
}

describe(
  'argo-rollouts target driven by uses: rollout (stand-in Kubernetes API)',
  { timeout: 180_000 },
  () => {
    let api: RolloutApi;
    let dir: string;
    let serve: ChildProcess | undefined;
    let serveLog = '';
    const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

    async function startServe(): Promise<void> {
      serve = spawnRunway(['serve'], { cwd: dir });
      serve.stdout?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
      serve.stderr?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
      const info = join(dir, '.runway', 'runway', 'server.json');
      const deadline = Date.now() + 30_000;
      while (!(
        existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve.pid
      )) {
        assert.ok(Date.now() < deadline, `runway serve did not start:\n${serveLog}`);
        await sleep(100);
      }
    }

    async function statusJson(): Promise<StatusJson> {
      const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      return JSON.parse(res.stdout) as StatusJson;
    }

    async function until(phase: string, stepIndex?: number): Promise<StatusJson> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const s = await statusJson();
        if (
          s.rollout.state.phase === phase &&
          (stepIndex === undefined || s.rollout.state.stepIndex === stepIndex)
        )
          return s;
        assert.ok(
          Date.now() < deadline,
          `rollout never reached ${phase}: ${JSON.stringify(s.rollout.state.history)}\n${serveLog}`,
        );
        await sleep(150);
      }
    }

    /** Plays Argo: the canary steps of the recorded Rollout from `from` to the end, then Healthy. */
    function argoFinishes(from: number): void {
      for (let step = from; step < 8; step++)
        api.argo({
          phase: 'Progressing',
          message: 'more replicas need to be updated',
          currentStepIndex: step,
          controllerPause: false,
        });
      api.argo({
        phase: 'Healthy',
        message: '',
        currentStepIndex: 8,
        stableRS: 'new',
        currentPodHash: 'new',
      });
    }

    before(async () => {
      api = await startRolloutApi(healthyRollout());
      dir = project(pipeline(api.kubeconfig, 'v2', 'b'));
      await startServe();
    });

    after(async () => {
      if (dir) await cli(['serve', 'stop']);
      if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
      await api?.close();
    });

    it('runway run → set image → Progressing → Paused → runway rollout promote → Healthy, every body valid against the Rollout CRD', async () => {
      const run = cli(['run']);
      const put = await api.seen((r) => r.method === 'PUT');
      assert.equal(put.answered, 200);
      const sent = put.body as RolloutObject;
      assert.equal(sent.metadata.resourceVersion, '4838641', 'the PUT carries the resourceVersion it read');
      const containers = (sent.spec['template'] as { spec: { containers: { image: string }[] } }).spec
        .containers;
      assert.equal(containers[0]!.image, image('b'));

      api.argo({ phase: 'Progressing', message: 'more replicas need to be updated', currentStepIndex: 0 });
      api.argo({
        phase: 'Paused',
        message: 'CanaryPauseStep',
        currentStepIndex: 1,
        controllerPause: true,
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-12-08T01:00:00Z' }],
      });
      const paused = await until('paused', 1);
      const events = paused.rollout.state.history.map((h) => h.event);
      assert.deepEqual(events.slice(0, 4), ['created', 'instances-started', 'weight-set', 'paused']);
      assert.match(paused.rollout.state.history[2]!.detail, /step 1\/8 \(pause\), 21% of traffic/);

      const promote = await cli(['rollout', 'promote', SERVICE, '--env', 'production']);
      assert.equal(promote.code, 0, promote.stdout + promote.stderr);
      const patch = await api.seen((r) => r.method === 'PATCH');
      assert.equal(patch.path.endsWith('/status'), true);
      assert.deepEqual(
        patch.body,
        { status: { pauseConditions: null } },
        "the Argo CLI's clearPauseConditionsPatch",
      );

      argoFinishes(2);
      const res = await run;
      assert.equal(res.code, 0, res.stdout + res.stderr + serveLog);
      assert.match(res.stdout, /paused: Paused: CanaryPauseStep/);
      assert.match(res.stdout, /command: promote by /);
      assert.match(
        res.stdout,
        /completed: the Rollout is Healthy and runs argoproj\/rollouts-demo@sha256:b{64}/,
      );
      const done = await statusJson();
      assert.equal(done.rollout.state.phase, 'completed');
      const text = await cli(['rollout', 'status', SERVICE, '--env', 'production']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /completed/);
      assert.match(text.stdout, /Healthy/);
      // the API serves the same record, and the promote is audited like any rollout command
      const server = JSON.parse(readFileSync(join(dir, '.runway', 'runway', 'server.json'), 'utf8')) as {
        url: string;
      };
      const token = readFileSync(join(dir, '.runway', 'runway', 'server.token'), 'utf8').trim();
      const viaApi = (await (
        await fetch(`${server.url}/v1/rollouts/${done.rollout.id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as StatusJson;
      assert.equal(viaApi.rollout.state.phase, 'completed');
      assert.deepEqual(viaApi.rollout.state.history, done.rollout.state.history);
      // what the dashboard reads: the environment, with the new release stable and all traffic on it
      for (const path of ['/v1/overview', `/v1/environments/${SERVICE}/production`]) {
        const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        assert.equal(res.status, 200, `${path}: ${body}`);
        assert.match(body, /"v2"/, path);
      }
      // no key accepted and then ignored: faults need Runway's data plane, which Argo's traffic bypasses
      const fault = await fetch(`${server.url}/v1/environments/${SERVICE}/production/faults/v2`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ errorRatio: 0.5 }),
      });
      assert.equal(fault.status, 409);
      assert.match(await fault.text(), /faults can be injected only through Runway's data plane/);
      const audit = await cli(['audit', '--json']);
      const entries = (
        JSON.parse(audit.stdout) as { entries: { path: string; method: string; status: number }[] }
      ).entries;
      assert.ok(
        entries.some(
          (e) =>
            e.method === 'POST' &&
            e.path === `/v1/environments/${SERVICE}/production/commands` &&
            e.status === 200,
        ),
        `the promote is not in the audit log: ${audit.stdout}`,
      );
      assert.deepEqual(api.invalid, []);
      assert.ok(
        api.received.every((r) => r.answered < 400),
        JSON.stringify(api.received.filter((r) => r.answered >= 400)),
      );
    });

    it('runway rollout abort sets status.abort; Argo goes Degraded and the step fails with its message', async () => {
      writeFileSync(join(dir, 'runway.yaml'), pipeline(api.kubeconfig, 'v3', 'c'));
      const before = api.received.length;
      const run = cli(['run']);
      await api.seen((r) => r.method === 'PUT' && api.received.indexOf(r) >= before);
      api.argo({
        phase: 'Paused',
        message: 'CanaryPauseStep',
        currentStepIndex: 1,
        controllerPause: true,
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-12-08T01:05:00Z' }],
      });
      await until('paused', 1);
      const abort = await cli(['rollout', 'abort', SERVICE, '--env', 'production']);
      assert.equal(abort.code, 0, abort.stdout + abort.stderr);
      const patch = await api.seen((r) => r.method === 'PATCH' && api.received.indexOf(r) >= before);
      assert.deepEqual(patch.body, { status: { abort: true } });
      api.argo({
        phase: 'Degraded',
        message: 'RolloutAborted: Rollout aborted update to revision 3',
        abort: true,
        pauseConditions: null,
        currentStepIndex: 0,
      });
      const res = await run;
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(
        res.stdout + res.stderr,
        /rolled back: RolloutAborted: Rollout aborted update to revision 3/,
      );
      const s = await statusJson();
      assert.equal(s.rollout.state.phase, 'rolled-back');
      assert.deepEqual(api.invalid, []);
    });

    it('kill -9 of runway serve mid-rollout: the new one reads where the Rollout is from the cluster and keeps following', async () => {
      writeFileSync(join(dir, 'runway.yaml'), pipeline(api.kubeconfig, 'v4', 'd'));
      const before = api.received.length;
      const run = cli(['run']);
      await api.seen((r) => r.method === 'PUT' && api.received.indexOf(r) >= before);
      api.argo({
        phase: 'Progressing',
        message: 'more replicas need to be updated',
        currentStepIndex: 0,
        abort: null,
      });
      await until('progressing');
      serve!.kill('SIGKILL');
      await new Promise((resolve) => serve!.once('exit', resolve));
      // while no control plane runs, Argo goes on
      api.argo({
        phase: 'Paused',
        message: 'CanaryPauseStep',
        currentStepIndex: 1,
        controllerPause: true,
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-12-08T01:10:00Z' }],
      });
      await startServe();
      const paused = await until('paused', 1);
      assert.ok(paused.rollout.state.history.some((h) => h.event === 'paused'));
      const promote = await cli(['rollout', 'promote', SERVICE, '--env', 'production']);
      assert.equal(promote.code, 0, promote.stdout + promote.stderr);
      argoFinishes(2);
      const res = await run;
      assert.equal(res.code, 0, res.stdout + res.stderr + serveLog);
      const puts = api.received.slice(before).filter((r) => r.method === 'PUT');
      assert.equal(puts.length, 1, 'the image is set once: after the restart the Rollout already runs it');
      assert.equal((await statusJson()).rollout.state.phase, 'completed');
      assert.deepEqual(api.invalid, []);
    });

    it("runway rollout undo puts the earlier revision's pod template back (a JSON patch, as kubectl argo rollouts undo)", async () => {
      const before = api.received.length;
      const undo = await cli(['rollout', 'undo', SERVICE, '--env', 'production', '--json']);
      assert.equal(undo.code, 0, undo.stdout + undo.stderr);
      const { rollout } = JSON.parse(undo.stdout) as { rollout: { canary: { version: string } } };
      const back = { v2: 'b', v3: 'c' }[rollout.canary.version];
      assert.ok(back, `undo went back to ${rollout.canary.version}`);
      const patch = await api.seen((r) => r.method === 'PATCH' && api.received.indexOf(r) >= before);
      assert.equal(patch.contentType, 'application/json-patch+json');
      const [op] = patch.body as {
        op: string;
        path: string;
        value: { spec: { containers: { image: string }[] } };
      }[];
      assert.equal(op!.path, '/spec/template');
      assert.equal(op!.value.spec.containers[0]!.image, image(back));
      argoFinishes(0);
      await until('completed');
      assert.equal(api.received.slice(before).filter((r) => r.method === 'PUT').length, 0, 'no set image');
      assert.deepEqual(api.invalid, []);
    });

    it('a Rollout that does not exist fails the step at once, naming it and the API answer', async () => {
      writeFileSync(
        join(dir, 'runway.yaml'),
        pipeline(api.kubeconfig, 'v5', 'e').replace('rollout: rollouts-demo }', 'rollout: missing }'),
      );
      const res = await cli(['run']);
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(res.stdout + res.stderr, /aborted: rollouts-demo\/missing: .*\(404\)/);
    });
  },
);
