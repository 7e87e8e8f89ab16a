import { parseSize } from '../../gates/artifact/image-size.ts';
import type { Action } from '../action.ts';

export const SOURCES = ['oci-layout', 'docker-inspect', 'path'] as const;

/**
 * `uses: gate/image-size` — the seed's "< 500MB uncompressed": measures a built image (an OCI image
 * layout, `docker image inspect` JSON) or artifact (a directory, a file, a gzipped tarball), records
 * `image.size_bytes` and fails the step when the size is not under `limit`.
 */
export const gateImageSize: Action = {
  name: 'gate/image-size',
  description: 'fail when a built image or artifact is not under a size limit (uncompressed)',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['limit'],
    properties: {
      'oci-layout': {
        type: 'string',
        minLength: 1,
        description: 'OCI image layout directory (docker buildx --output type=oci, skopeo, umoci)',
      },
      'docker-inspect': {
        type: 'string',
        minLength: 1,
        description: 'JSON written by docker image inspect',
      },
      path: {
        type: 'string',
        minLength: 1,
        description: 'a directory, a file, or a .tar.gz/.tgz counted uncompressed',
      },
      ref: {
        type: 'string',
        minLength: 1,
        description:
          'the image to measure: a ref name in the OCI layout, or a RepoTag in docker inspect JSON',
      },
      limit: {
        type: ['integer', 'string'],
        minimum: 1,
        description: 'the size must be under this: bytes, or 500MB, 1.5GB, 512MiB',
      },
    },
  },
  check(inputs) {
    const problems: { input: string; message: string }[] = [];
    const given = SOURCES.filter((s) => inputs[s] !== undefined);
    if (given.length !== 1)
      problems.push({
        input: given[1] ?? 'limit',
        message: `give exactly one of ${SOURCES.join(', ')} (the image to measure); got ${given.length ? given.join(' and ') : 'none'}`,
      });
    try {
      parseSize(inputs['limit'] as string | number);
    } catch (err) {
      problems.push({ input: 'limit', message: (err as Error).message });
    }
    return problems;
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).gateImageSize(ctx);
  },
};
