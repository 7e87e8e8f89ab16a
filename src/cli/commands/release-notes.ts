import { dirname } from 'node:path';
import { CommitRangeError, readCommits } from '../../actions/commitlint/commits.ts';
import { DORA_ENVIRONMENT } from '../../records/deployment-record.ts';
import { releaseNotes } from '../../deploy/release-notes.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, pipelineFile, STORE_FLAG, storeFor } from '../setup.ts';

const USAGE =
  'runway release-notes [--service S] [--env ENV] [--deployment ID] [--repo DIR] [--json] [--store URL]';

/**
 * `runway release-notes`: the Conventional Commits a deployment shipped (the range since the
 * release before it in that environment), as Markdown.
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...STORE_FLAG,
    ...FILE_FLAG,
    ...JSON_FLAG,
    service: { type: 'string' },
    env: { type: 'string' },
    deployment: { type: 'string' },
    repo: { type: 'string' },
  });
  const { store } = await storeFor(io, values, { existing: true });
  let deployment;
  try {
    const list = await store.deployments({
      ...(values.service ? { service: values.service } : {}),
      environment: values.env ?? DORA_ENVIRONMENT,
      limit: values.deployment ? 10_000 : 100,
    });
    deployment = values.deployment
      ? list.find((d) => d.id === values.deployment)
      : list.find((d) => d.outcome === 'succeeded');
  } finally {
    await store.close();
  }
  if (!deployment) {
    throw new UsageError(
      values.deployment
        ? `no deployment "${values.deployment}" in ${values.env ?? DORA_ENVIRONMENT} — see "runway deployments"`
        : `no successful deployment to ${values.env ?? DORA_ENVIRONMENT} yet — usage: ${USAGE}`,
    );
  }
  if (!deployment.sha) throw new UsageError(`deployment ${deployment.id} has no commit recorded`);
  const range = deployment.previousSha ? `${deployment.previousSha}..${deployment.sha}` : deployment.sha;
  const repo = values.repo ?? dirname(pipelineFile(io, values.file));
  let commits;
  try {
    commits = await readCommits(repo, range);
  } catch (err) {
    if (err instanceof CommitRangeError) throw new UsageError(`${err.message} (pass --repo DIR)`);
    throw err;
  }
  const notes = releaseNotes(`${deployment.service} ${deployment.version}`, commits);
  io.out(
    values.json ? `${JSON.stringify({ deployment: deployment.id, range, ...notes })}\n` : notes.markdown,
  );
  return EXIT.ok;
}
