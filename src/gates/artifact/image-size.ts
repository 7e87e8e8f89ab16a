import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { readReport } from '../report-file.ts';

/** A size written as bytes (`524288000`) or with a unit (`500MB`, `1.5GB`, `512MiB`). */
export type SizeText = number | string;

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

/**
 * Bytes in a size: kB, MB and GB are decimal (Docker prints `458MB` for 458 410 761 bytes), KiB,
 * MiB and GiB binary. Example: `parseSize('500MB')` is 500 000 000.
 */
export function parseSize(size: SizeText): number {
  if (typeof size === 'number') return size;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(size);
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined)
    throw new ImageSizeError(
      `"${size}" is not a size: expected bytes or a number with B, kB, MB, GB, KiB, MiB, GiB`,
    );
  return Math.round(Number(m[1]) * unit);
}

/** Bytes as Docker prints them: `458.4 MB`. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const) {
    if (bytes >= factor) return `${(bytes / factor).toFixed(1)} ${unit}`;
  }
  return `${bytes} B`;
}

/** A built image or artifact that cannot be measured; the message names the file and what was expected. */
export class ImageSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageSizeError';
  }
}

/** What was measured, and how. */
export interface Measured {
  bytes: number;
  /** e.g. `OCI image layout build/oci (ref 1.4.2): 1 layer, 20.4 kB compressed` */
  what: string;
}

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const REF_NAME = 'org.opencontainers.image.ref.name';

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readReport(path).toString('utf8');
  } catch (err) {
    throw new ImageSizeError(`${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ImageSizeError(`${path}: not JSON (${(err as Error).message})`);
  }
}

function blobPath(layout: string, digest: unknown, where: string): string {
  if (typeof digest !== 'string' || !DIGEST.test(digest))
    throw new ImageSizeError(`${where}: expected a digest "sha256:<64 hex>", got ${JSON.stringify(digest)}`);
  const [alg, hex] = digest.split(':') as [string, string];
  return join(layout, 'blobs', alg, hex);
}

/** Bytes a stream decompresses to, counted without keeping them. */
async function uncompressedBytes(path: string, mediaType: string): Promise<number> {
  let bytes = 0;
  const count = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  // node:zlib loads here, not when a command that never measures an image starts
  const zlib = process.getBuiltinModule('node:zlib');
  const decoder = /[+.]gzip$/.test(mediaType)
    ? zlib.createGunzip()
    : /[+.]zstd$/.test(mediaType)
      ? zlib.createZstdDecompress()
      : undefined;
  if (decoder) await pipeline(createReadStream(path), decoder, count);
  else bytes = lstatSync(path).size;
  return bytes;
}

/**
 * The uncompressed size of an image in an OCI image layout (`index.json`, `blobs/`), as written by
 * `docker buildx build --output type=oci`, skopeo, umoci, Buildah: the sum of its layers, each
 * gzip or zstd layer decompressed. `ref` picks a manifest by its `org.opencontainers.image.ref.name`;
 * without it the layout must hold one.
 */
export async function ociLayoutSize(layout: string, ref?: string): Promise<Measured> {
  const index = readJson(join(layout, 'index.json')) as { manifests?: Descriptor[] };
  const manifests = Array.isArray(index.manifests) ? index.manifests : [];
  const refs = manifests.map((m) => m.annotations?.[REF_NAME]).filter((r) => r !== undefined);
  const picked = ref === undefined ? manifests : manifests.filter((m) => m.annotations?.[REF_NAME] === ref);
  if (picked.length !== 1) {
    const known = refs.length ? refs.join(', ') : 'none';
    throw new ImageSizeError(
      ref === undefined
        ? `${layout}/index.json: expected one image, found ${manifests.length}; set ref to one of: ${known}`
        : `${layout}/index.json: no image named "${ref}"; refs in the layout: ${known}`,
    );
  }
  const descriptor = picked[0] as Descriptor;
  if (INDEX_TYPES.has(descriptor.mediaType ?? ''))
    throw new ImageSizeError(
      `${layout}: "${ref ?? descriptor.digest}" is a multi-platform index; export one platform (docker buildx --platform) and measure that`,
    );
  const manifestFile = blobPath(layout, descriptor.digest, `${layout}/index.json`);
  const manifest = readJson(manifestFile) as { layers?: Descriptor[] };
  if (!Array.isArray(manifest.layers))
    throw new ImageSizeError(`${manifestFile}: expected an image manifest with "layers"`);
  let bytes = 0;
  let compressed = 0;
  for (const layer of manifest.layers) {
    const file = blobPath(layout, layer.digest, manifestFile);
    try {
      bytes += await uncompressedBytes(file, layer.mediaType ?? '');
    } catch (err) {
      throw new ImageSizeError(`${file}: cannot read layer (${(err as Error).message})`);
    }
    compressed += layer.size ?? 0;
  }
  const n = manifest.layers.length;
  return {
    bytes,
    what: `OCI image layout ${layout}${ref ? ` (ref ${ref})` : ''}: ${n} layer${n === 1 ? '' : 's'}, ${formatSize(compressed)} compressed`,
  };
}

/**
 * The size `docker image inspect` reports (`Size`, all layers, uncompressed). `ref` picks the image
 * by one of its `RepoTags`; without it the file must hold one image.
 */
export function dockerInspectSize(file: string, ref?: string): Measured {
  const json = readJson(file);
  const images = (Array.isArray(json) ? json : [json]) as {
    Id?: string;
    RepoTags?: string[];
    Size?: unknown;
  }[];
  const picked = ref === undefined ? images : images.filter((i) => i.RepoTags?.includes(ref));
  if (picked.length !== 1)
    throw new ImageSizeError(
      ref === undefined
        ? `${file}: expected one image, found ${images.length}; set ref to one of its RepoTags`
        : `${file}: no image tagged "${ref}"; tags: ${images.flatMap((i) => i.RepoTags ?? []).join(', ') || 'none'}`,
    );
  const image = picked[0] as (typeof images)[number];
  if (typeof image.Size !== 'number' || !Number.isFinite(image.Size) || image.Size < 0)
    throw new ImageSizeError(
      `${file}: expected "Size" (bytes) as docker image inspect prints it, got ${JSON.stringify(image.Size)}`,
    );
  return { bytes: image.Size, what: `docker image inspect ${image.RepoTags?.[0] ?? image.Id ?? file}` };
}

function treeBytes(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  let total = 0;
  for (const entry of readdirSync(path)) total += treeBytes(join(path, entry));
  return total;
}

/**
 * The size of a built artifact: a directory's files added up, a file's bytes, a `.gz`/`.tgz`
 * (`docker save | gzip`) decompressed.
 */
export async function artifactSize(path: string): Promise<Measured> {
  try {
    if (/\.(t?gz)$/.test(path))
      return { bytes: await uncompressedBytes(path, '+gzip'), what: `${path} (uncompressed)` };
    return { bytes: treeBytes(path), what: path };
  } catch (err) {
    throw new ImageSizeError(`${path}: ${(err as Error).message}`);
  }
}
