import { unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runwayVersion } from '../package-root.ts';
import { AdminApi } from './admin-api.ts';
import { agentDirFiles, processRunning, readAgentInfo, readToken, type AgentInfo } from './agent-dir.ts';
import { Agent } from './agent.ts';
import { AgentClient } from './client.ts';
import { formatEvent } from './log.ts';
import { writeJsonAtomic } from './state-file.ts';

const USAGE = 'usage: node src/agent/main.ts --dir <dir> [--port <port>]';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function now(): string {
  return new Date().toISOString();
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, port: { type: 'string' } },
  });
  if (!values.dir) throw new Error(USAGE);
  const adminPort = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) throw new Error(USAGE);
  const dir = resolve(values.dir);
  const token = readToken(dir);
  await refuseSecondAgent(dir, token);
  const version = runwayVersion();

  const agent = await Agent.start({ dir, onEvent: (event) => log(formatEvent(event, new Date())) });
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string) => {
    stopping ??= (async () => {
      log(`${now()} agent stopping (${why})`);
      await agent.stop();
      await api.close();
      removeInfo(dir);
      log(`${now()} agent stopped`);
      process.exit(0);
    })();
  };
  const api = new AdminApi({ agent, token, version, onShutdown: () => shutdown('shutdown requested') });
  const port = await api.listen(adminPort);
  const info: AgentInfo = { pid: process.pid, port, startedAt: now(), version };
  writeJsonAtomic(agentDirFiles(dir).info, info);
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  log(`${info.startedAt} agent listening on 127.0.0.1:${port} pid=${process.pid} dir=${dir}`);
}

/** Two agents on one directory would fight over its ports and process groups. */
async function refuseSecondAgent(dir: string, token: string): Promise<void> {
  const info = readAgentInfo(dir);
  if (!info || info.pid === process.pid || !processRunning(info.pid)) return;
  const health = await new AgentClient({ url: `http://127.0.0.1:${info.port}`, token, timeoutMs: 2000 })
    .health()
    .catch(() => undefined);
  if (health?.pid === info.pid) {
    throw new Error(`another agent (pid ${info.pid}) already serves ${dir} on 127.0.0.1:${info.port}`);
  }
}

function removeInfo(dir: string): void {
  if (readAgentInfo(dir)?.pid !== process.pid) return;
  try {
    unlinkSync(agentDirFiles(dir).info);
  } catch {
    // already gone
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  log(`${now()} agent failed to start: ${(err as Error).message}`);
  process.exit(1);
});
