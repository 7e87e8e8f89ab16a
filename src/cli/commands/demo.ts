import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipeline } from '../../config/load.ts';
import { readRunContext } from '../../engine/run-context.ts';
import { defaultStoreUrl, openStore } from '../../store/open.ts';
import { paint, type Io } from '../io.ts';
import { dataDirFor, JSON_FLAG, parse } from '../setup.ts';
import { execute } from './run.ts';

/** The commit message the demo's commit stage checks. */
export const DEMO_MESSAGE = 'feat(checkout): quote carts with 8.25% sales tax';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `runway demo`: runs examples/runway.yaml on the sample service, offline, at any hour. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...JSON_FLAG });
  const file = join(REPO, 'examples', 'runway.yaml');
  const pipeline = loadPipeline(file);
  // the sample service's own change, so the demo never depends on the message of Runway's HEAD
  const context = readRunContext(REPO, {
    trigger: 'demo',
    message: DEMO_MESSAGE,
    author: 'Runway Demo <demo@runway.invalid>',
  });
  const url = defaultStoreUrl(pipeline.root);
  const dataDir = dataDirFor(REPO, url);
  const bin = join(REPO, 'node_modules', '.bin');
  const demoIo: Io = { ...io, env: { ...io.env, PATH: `${bin}${delimiter}${io.env['PATH'] ?? ''}` } };
  if (!values.json) {
    io.out(
      paint(io, 'bold', 'Runway demo') +
        ` — ${pipeline.stages.length} stages of ${pipeline.file} on the sample checkout-api\n`,
    );
    io.out(
      paint(
        io,
        'dim',
        'commit → build → unit ∥ integration (database service) → golden path (smoke) → e2e (release only)\n\n',
      ),
    );
  }
  const store = openStore(url);
  try {
    const code = await execute(
      demoIo,
      store,
      pipeline,
      Boolean(values.json),
      (engine, signal) => engine.start(pipeline, context, signal),
      dataDir,
    );
    if (!values.json) {
      const store = `--store ${url.replace(/^sqlite:/, '')}`;
      io.out(
        `\nexplore: runway runs ${store}   ·   runway runs <id> --json ${store}   ·   runway logs <id> unit/tests ${store}\n`,
      );
    }
    return code;
  } finally {
    await store.close();
  }
}
