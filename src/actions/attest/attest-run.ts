/* What `attest` does when its step runs; loaded on the step's first run (see attest.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { sign, type KeyObject } from 'node:crypto';
import { IN_TOTO_PAYLOAD_TYPE, keyIdOf, signEnvelope } from '../../gates/supply-chain/dsse.ts';
import { KeyError, loadSigningKey } from '../../gates/supply-chain/keys.ts';
import {
  buildProvenance,
  RUNWAY_BUILDER_ID,
  SLSA_LEVELS,
  type ResourceDescriptor,
  type SlsaLevel,
} from '../../gates/supply-chain/provenance.ts';
import { DigestError, digestArtifact } from '../../gates/supply-chain/tree-digest.ts';
import type { ActionContext, ActionResult } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const artifactPath = resolve(ctx.workingDirectory, String(ctx.inputs['path']));
  const output =
    ctx.inputs['output'] !== undefined
      ? resolve(ctx.workingDirectory, String(ctx.inputs['output']))
      : `${artifactPath}.intoto.jsonl`;
  const bundlePath =
    ctx.inputs['bundle'] !== undefined
      ? resolve(ctx.workingDirectory, String(ctx.inputs['bundle']))
      : `${artifactPath}.sigstore.json`;
  for (const [input, path] of [
    ['output', output],
    ['bundle', bundlePath],
  ] as const)
    if (isWithin(artifactPath, path))
      return {
        ok: false,
        reason: `${input}: ${path} is inside the artifact ${artifactPath}; writing it would change it`,
      };
  const keySource = String(ctx.inputs['key']);
  const keyLabel = keySource.trimStart().startsWith('-----BEGIN')
    ? 'key (PEM text)'
    : `key ${resolve(ctx.workingDirectory, keySource)}`;
  const builderId = String(ctx.inputs['builder-id'] ?? RUNWAY_BUILDER_ID);

  // the key, the artifact and what it was built from
  let key;
  try {
    key = loadSigningKey(
      keySource.trimStart().startsWith('-----BEGIN') ? keySource : resolve(ctx.workingDirectory, keySource),
      keyLabel,
    );
  } catch (error) {
    if (error instanceof KeyError) return { ok: false, reason: `cannot sign: ${error.message}` };
    throw error;
  }
  let subject;
  const materials: ResourceDescriptor[] = [];
  try {
    subject = digestArtifact(artifactPath);
    for (const m of (ctx.inputs['materials'] as string[] | undefined) ?? []) {
      const d = digestArtifact(resolve(ctx.workingDirectory, m));
      materials.push({ name: m, digest: d.digestSet });
    }
  } catch (error) {
    if (error instanceof DigestError) return { ok: false, reason: `cannot attest: ${error.message}` };
    throw error;
  }
  const level = slsaLevel(ctx.inputs['slsa-level']);

  // the statement, signed
  const e = ctx.expressions as { sha?: unknown; ref?: unknown };
  const sha = typeof e.sha === 'string' ? e.sha : '';
  const ref = typeof e.ref === 'string' ? e.ref : '';
  const repository = (ctx.inputs['repository'] as string | undefined) ?? originOf(ctx.root);
  const source: ResourceDescriptor | undefined =
    sha !== ''
      ? {
          ...(repository ? { uri: `git+${repository}${ref ? `@${ref}` : ''}` } : {}),
          digest: { gitCommit: sha },
        }
      : undefined;
  const statement = buildProvenance({
    subject: { name: subject.name, digest: subject.digestSet },
    builderId,
    slsaLevel: level.value,
    externalParameters: {
      pipeline: ctx.run.pipeline.name,
      ...(ctx.step?.key ? { step: ctx.step.key } : {}),
      artifact: relative(ctx.root, artifactPath) || '.',
      ...(ref ? { ref } : {}),
      ...(sha ? { sha } : {}),
      ...(repository ? { repository } : {}),
    },
    resolvedDependencies: [...(source ? [source] : []), ...materials],
    invocationId: `runway:${ctx.run.pipeline.name}/runs/${ctx.run.id}`,
    ...(await runStartedAt(ctx)),
    finishedOn: ctx.clock.now().toISOString(),
  });
  const payload = Buffer.from(JSON.stringify(statement));
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key);
  const bundle = await signedBundle(payload, key);
  for (const [input, path, text] of [
    ['output', output, `${JSON.stringify(envelope)}\n`],
    ['bundle', bundlePath, `${JSON.stringify(bundle)}\n`],
  ] as const)
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    } catch (error) {
      return { ok: false, reason: `${input}: cannot write ${path}: ${(error as Error).message}` };
    }
  const keyid = envelope.signatures[0]?.keyid ?? '';
  ctx.log(
    `${subject.kind} ${artifactPath}: ${subject.digest}${subject.kind === 'directory' ? ` (${subject.files} files)` : ''}`,
  );
  ctx.log(
    `signed by key ${keyid.slice(0, 16)}…, builder ${builderId}, declares SLSA build level ${level.value} (${level.why}); counts as 1 until a verifier's level policy grants more`,
  );
  ctx.log(`attestation ${bundlePath} (Sigstore bundle), ${output} (DSSE envelope)`);
  if (!source) ctx.log('⚠ no commit sha in the run context: the provenance names no source');
  return {
    ok: true,
    outputs: {
      digest: subject.digest,
      envelope: output,
      bundle: bundlePath,
      keyid,
      'slsa-level': String(level.value),
    },
    evidence: {
      'attest.signed': true,
      'attest.slsa_level': 1,
      'attest.slsa_declared': level.value,
      'attest.digest': subject.digest,
    },
  };
}

/** The statement in a Sigstore bundle (v0.3) signed by `key`, with the key's id as the public key hint. */
async function signedBundle(payload: Buffer, key: KeyObject): Promise<unknown> {
  const hint = keyIdOf(key);
  const [{ bundleToJSON }, { DSSEBundleBuilder }] = await Promise.all([
    import('@sigstore/bundle'), // on first use, not at start-up
    import('@sigstore/sign'),
  ]);
  const builder = new DSSEBundleBuilder({
    signer: {
      sign: async (data) => ({
        signature: sign(null, data, key),
        key: { $case: 'publicKey', publicKey: '', hint },
      }),
    },
    witnesses: [],
  });
  return bundleToJSON(await builder.create({ data: payload, type: IN_TOTO_PAYLOAD_TYPE }));
}

function isWithin(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function slsaLevel(input: unknown): { value: SlsaLevel; why: string } {
  if (SLSA_LEVELS.includes(input as SlsaLevel)) return { value: input as SlsaLevel, why: 'declared' };
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0'
    ? { value: 2, why: 'signed provenance on a CI runner' }
    : { value: 1, why: 'signed provenance, not on a CI runner' };
}

/** The origin remote of the repository at `dir`, without credentials; undefined outside a repository. */
function originOf(dir: string): string | undefined {
  try {
    // node:child_process loads here, not when a command that never attests starts
    const url = process
      .getBuiltinModule('node:child_process')
      .execFileSync('git', ['config', '--get', 'remote.origin.url'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      .toString('utf8')
      .trim();
    return url === '' ? undefined : url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
  } catch {
    return undefined;
  }
}

async function runStartedAt(ctx: ActionContext): Promise<{ startedOn?: string }> {
  try {
    const run = await ctx.store.getRun(ctx.run.id);
    return run?.createdAt ? { startedOn: run.createdAt } : {};
  } catch {
    return {};
  }
}
