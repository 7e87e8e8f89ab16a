/*
 * The one way a release names an OCI image: `<repository>[:<tag>]@sha256:<64 hex>`, pinned by
 * digest, as `with: image:` of `uses: deploy` / `uses: rollout` gives it. The repository follows
 * the distribution reference grammar (an optional registry host and port, lowercase path
 * components); the tag is for people, the digest is what runs.
 */
import type { ImageReference } from './target.ts';

const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?/)`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const TAG = String.raw`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`;
const DIGEST = String.raw`sha256:[a-f0-9]{64}`;
const REFERENCE = new RegExp(`^(${HOST}?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?)@(${DIGEST})$`);

/** What `with: image:` must look like, for error messages and docs. */
export const IMAGE_SHAPE = '<repository>[:<tag>]@sha256:<64 lowercase hex>';

/**
 * The image a reference names, or why it is not one.
 *
 * @example parseImageReference('ghcr.io/acme/shop:1.4.2@sha256:' + 'a'.repeat(64))
 */
export function parseImageReference(value: string): ImageReference | string {
  const m = REFERENCE.exec(value);
  if (m) return { type: 'image', image: m[1]!, digest: m[2]! };
  if (!value.includes('@'))
    return `image ${JSON.stringify(value)} is not pinned by digest: expected ${IMAGE_SHAPE}`;
  const digest = value.slice(value.lastIndexOf('@') + 1);
  if (!new RegExp(`^${DIGEST}$`).test(digest))
    return `image ${JSON.stringify(value)} has digest ${JSON.stringify(digest)}: expected sha256: followed by 64 lowercase hex digits`;
  return `image ${JSON.stringify(value)} is not a valid repository[:tag]: expected ${IMAGE_SHAPE} (lowercase repository path, optional registry host)`;
}

/** The string a container runs: the reference with its digest, so the tag cannot move under it. */
export function pinnedImage(ref: ImageReference): string {
  return `${ref.image}@${ref.digest}`;
}
