import { hostname } from 'node:os';
import { processAlive, signalGroup } from '../../executors/local/process-group.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, runId, STORE_FLAG, storeFor } from '../setup.ts';

/** `runway cancel RUN`: asks the process running it to stop, and waits until it has. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...STORE_FLAG, ...JSON_FLAG, ...FILE_FLAG });
  const id = runId(positionals[0], 'runway cancel RUN');
  const { store } = await storeFor(io, values, { existing: true });
  const say = (status: string, message: string) =>
    io.out(values.json ? `${JSON.stringify({ run: id, status, message })}\n` : `${message}\n`);
  try {
    const run = await store.getRun(id);
    if (!run) throw new UsageError(`run ${id} does not exist — see "runway runs"`);
    if (run.status !== 'running') {
      say(run.status, `run ${id} already ended: ${run.status}`);
      return EXIT.ok;
    }
    const at = new Date().toISOString();
    await store.requestCancel(id, at);
    const orphaned = run.owner?.host === hostname() && !processAlive(run.owner.pid);
    if (orphaned) {
      // nobody is running it: stop what its steps left behind and close every open record
      const steps = (await store.steps(id)).filter((s) => s.status === 'running' || s.status === 'pending');
      for (const s of steps) if (s.pgid) signalGroup(s.pgid, 'SIGKILL');
      const stages = (await store.stages(id)).filter((s) => s.status === 'running' || s.status === 'pending');
      const reason = 'cancelled while no process was running it';
      for (const stage of stages) {
        await store.apply(
          id,
          {
            stage: { ...stage, status: 'cancelled', finishedAt: at, reason },
            steps: steps
              .filter((s) => s.stage === stage.name)
              .map(({ pgid: _pgid, ...s }) => ({ ...s, status: 'cancelled', finishedAt: at, reason })),
            event: { type: 'stage.finished', data: { stage: stage.name, status: 'cancelled', reason } },
          },
          at,
        );
      }
      await store.apply(
        id,
        {
          run: { status: 'cancelled', finishedAt: at, reason: 'cancelled' },
          event: { type: 'run.finished', data: { status: 'cancelled', reason } },
        },
        at,
      );
      say('cancelled', `run ${id} cancelled (no process was running it)`);
      return EXIT.ok;
    }
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const now = await store.getRun(id);
      if (now && now.status !== 'running') {
        say(now.status, `run ${id} ${now.status}`);
        return EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    say('running', `cancellation of run ${id} requested; process ${run.owner?.pid} has not stopped it yet`);
    return EXIT.failed;
  } finally {
    await store.close();
  }
}
