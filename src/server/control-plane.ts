/*
 * `runway serve` assembled: the store, the data-plane agent (started if it is not running), the
 * rollout controller and the HTTP API. Killing this process at any moment loses nothing: the
 * agent keeps serving the last routes, and the next start continues every rollout from the store.
 */
import type { Server } from 'node:http';
import { ensureAgent } from '../agent/launch.ts';
import type { Clock } from '../engine/clock.ts';
import { systemClock } from '../engine/clock.ts';
import { AgentDataPlane } from '../deploy/agent-data-plane.ts';
import type { AnalysisDriverFactory } from '../deploy/analysis-driver.ts';
import { Controller } from '../deploy/controller.ts';
import { Deployments } from '../deploy/deployments.ts';
import type { Store } from '../store/store.ts';
import { startApi } from './api.ts';
import { clearServerInfo, ensureToken, serverFiles, writeServerInfo } from './discovery.ts';

/** How to start a control plane. */
export interface ControlPlaneOptions {
  dataDir: string;
  store: Store;
  port?: number;
  log: (line: string) => void;
  clock?: Clock;
  /** Builds the analysis engine of a rollout (given the data plane for the built-in provider). */
  analysis?: (dataPlane: AgentDataPlane) => AnalysisDriverFactory;
  tickMs?: number;
  healthIntervalMs?: number;
}

/** A running control plane. */
export interface ControlPlane {
  url: string;
  token: string;
  agentPid: number;
  controller: Controller;
  dataPlane: AgentDataPlane;
  deployments: Deployments;
  /** Stops the API and the controller; the agent keeps serving. */
  close(): Promise<void>;
}

/** Starts everything `runway serve` runs and writes `server.json` once it listens. */
export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = o.clock ?? systemClock;
  const token = ensureToken(o.dataDir);
  const files = serverFiles(o.dataDir);
  const agent = await ensureAgent(files.agentDir);
  o.log(`data plane agent ${agent.started ? 'started' : 'already running'} (pid ${agent.pid})`);
  const dataPlane = new AgentDataPlane(agent.client);
  const controller = new Controller({
    store: o.store,
    dataPlane,
    clock,
    log: o.log,
    ...(o.analysis ? { analysis: o.analysis(dataPlane) } : {}),
    ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
    ...(o.healthIntervalMs === undefined ? {} : { healthIntervalMs: o.healthIntervalMs }),
  });
  const deployments = new Deployments({ store: o.store, controller, clock });
  await controller.start();
  let server: Server;
  let url: string;
  try {
    ({ server, url } = await startApi(
      { store: o.store, deployments, controller, dataPlane, clock, token, log: o.log },
      o.port ?? 0,
    ));
  } catch (err) {
    await controller.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new Error(`port ${o.port} is already in use on 127.0.0.1; choose another with --port`);
    throw err;
  }
  writeServerInfo(o.dataDir, { url, pid: process.pid, startedAt: clock.now().toISOString() });

  // the agent is a separate process: if it dies, start it again (it re-reads its desired state)
  let agentPid = agent.pid;
  let checking = false;
  const watchdog = setInterval(() => {
    if (checking) return;
    checking = true;
    void dataPlane.client
      .health()
      .catch(async () => {
        o.log('data plane agent is not answering; starting it again');
        const again = await ensureAgent(files.agentDir);
        agentPid = again.pid;
        dataPlane.use(again.client);
        for (const env of await o.store.environments()) await controller.converge(env, true);
      })
      .catch((err: unknown) => o.log(`cannot restart the data plane agent: ${(err as Error).message}`))
      .finally(() => (checking = false));
  }, 2000);
  watchdog.unref();

  return {
    url,
    token,
    get agentPid() {
      return agentPid;
    },
    controller,
    dataPlane,
    deployments,
    async close() {
      clearInterval(watchdog);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await controller.close();
      clearServerInfo(o.dataDir, process.pid);
    },
  };
}
