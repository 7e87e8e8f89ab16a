/* What `gate-image-size` does when its step runs; loaded on the step's first run (see gate-image-size.ts). */
import { resolve } from 'node:path';
import {
  artifactSize,
  dockerInspectSize,
  formatSize,
  ImageSizeError,
  ociLayoutSize,
  parseSize,
  type Measured,
} from '../../gates/artifact/image-size.ts';
import { SOURCES } from './gate-image-size.ts';
import type { ActionContext, ActionResult } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const source = SOURCES.find((s) => ctx.inputs[s] !== undefined);
  if (source === undefined) return { ok: false, reason: `give one of ${SOURCES.join(', ')}` };
  const path = resolve(ctx.workingDirectory, String(ctx.inputs[source]));
  const ref = ctx.inputs['ref'] as string | undefined;

  // measure
  let measured: Measured;
  try {
    measured =
      source === 'oci-layout'
        ? await ociLayoutSize(path, ref)
        : source === 'docker-inspect'
          ? dockerInspectSize(path, ref)
          : await artifactSize(path);
  } catch (err) {
    if (err instanceof ImageSizeError) return { ok: false, reason: err.message };
    throw err;
  }

  // judge
  const limit = parseSize(ctx.inputs['limit'] as string | number);
  const line = `${measured.what}: ${formatSize(measured.bytes)} (${measured.bytes} bytes), limit ${formatSize(limit)}`;
  ctx.log(line);
  const evidence = { 'image.size_bytes': measured.bytes };
  if (measured.bytes < limit) return { ok: true, evidence, outputs: { bytes: String(measured.bytes) } };
  return {
    ok: false,
    reason: `image too large: ${formatSize(measured.bytes)} (${measured.bytes} bytes) is not under the limit of ${formatSize(limit)} — ${measured.what}`,
    evidence,
    outputs: { bytes: String(measured.bytes) },
  };
}
