/* What `sbom` does when its step runs; loaded on the step's first run (see sbom.ts). */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CYCLONEDX_VERSION, cycloneDxProblems } from '../../gates/supply-chain/cyclonedx-schema.ts';
import { NpmLockError, readNpmLock } from '../../gates/supply-chain/npm-sbom.ts';
import { readSbom, SbomError } from '../../gates/supply-chain/sbom-read.ts';
import { runwayVersion } from '../../package-root.ts';
import { LOCK_FILES } from './sbom.ts';
import type { ActionContext, ActionResult } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  // an SBOM from another tool: check it and pass it on
  if (ctx.inputs['from'] !== undefined) {
    const file = resolve(ctx.workingDirectory, String(ctx.inputs['from']));
    try {
      const read = readSbom(file);
      ctx.log(
        `${read.format} ${read.specVersion} ${file}: ${read.components.length} component(s)${
          read.skipped === 1
            ? ', 1 entry that is not a package'
            : read.skipped > 1
              ? `, ${read.skipped} entries that are not packages`
              : ''
        }`,
      );
      return {
        ok: true,
        outputs: { path: file, format: read.format, components: String(read.components.length) },
        evidence: { 'sbom.components': read.components.length },
      };
    } catch (error) {
      if (error instanceof SbomError) return { ok: false, reason: `invalid SBOM: ${error.message}` };
      throw error;
    }
  }

  // build one from the lock file
  const lockfile =
    ctx.inputs['lockfile'] !== undefined
      ? resolve(ctx.workingDirectory, String(ctx.inputs['lockfile']))
      : LOCK_FILES.map((f) => resolve(ctx.workingDirectory, f)).find((f) => existsSync(f));
  if (lockfile === undefined)
    return {
      ok: false,
      reason: `no ${LOCK_FILES.join(' or ')} in ${ctx.workingDirectory}; run npm install, or give lockfile or from`,
    };
  const output = resolve(ctx.workingDirectory, String(ctx.inputs['output'] ?? 'sbom.cdx.json'));
  let built;
  try {
    built = readNpmLock(lockfile, {
      projectDir: dirname(lockfile),
      includeDev: ctx.inputs['dev'] === true,
      now: ctx.clock.now(),
      toolVersion: runwayVersion(),
      serialNumber: `urn:uuid:${randomUUID()}`,
    });
  } catch (error) {
    if (error instanceof NpmLockError)
      return { ok: false, reason: `cannot build the SBOM: ${error.message}` };
    throw error;
  }
  const problems = await cycloneDxProblems(built.bom);
  if (problems.length > 0)
    return {
      ok: false,
      reason: `the SBOM built from ${lockfile} does not validate against the CycloneDX ${CYCLONEDX_VERSION} schema (please report it): ${problems.slice(0, 3).join('; ')}`,
    };
  try {
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(built.bom, null, 2)}\n`);
  } catch (error) {
    return { ok: false, reason: `output: cannot write ${output}: ${(error as Error).message}` };
  }
  ctx.log(
    `CycloneDX ${CYCLONEDX_VERSION} (schema-valid) ${output}: ${built.components} component(s) from ${lockfile}`,
  );
  if (built.licensesFromInstalled > 0)
    ctx.log(`${built.licensesFromInstalled} license(s) read from node_modules (missing in the lock file)`);
  if (built.withoutLicense.length > 0)
    ctx.log(
      `no license known for ${built.withoutLicense.length}: ${built.withoutLicense.slice(0, 10).join(', ')}${built.withoutLicense.length > 10 ? ', …' : ''}`,
    );
  return {
    ok: true,
    outputs: { path: output, format: 'cyclonedx', components: String(built.components) },
    evidence: { 'sbom.components': built.components },
  };
}
