import { createHash, type Hash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The digest of a release artifact: one file, or a directory tree. */
export interface ArtifactDigest {
  kind: 'file' | 'directory';
  /** `sha256:<hex>`: of the file's bytes, or of the tree's manifest. */
  digest: string;
  /** The in-toto digest set of the subject: `sha256` for a file, `dirHash` (`h1:<base64>`) for a tree. */
  digestSet: Record<string, string>;
  /** The subject name: the file or directory name. */
  name: string;
  files: number;
}

/** An artifact that cannot be digested (missing, a special file, a link out of the tree…). */
export class DigestError extends Error {
  override name = 'DigestError';
}

const CHUNK = 1 << 20;

/**
 * Digests a file (sha256 of its bytes) or a directory tree. A tree's digest is the sha256 of its
 * manifest: one line `<sha256 hex>  <relative/path>\n` per file, sorted by path bytes (the construction
 * of Go's dirhash "h1", so empty directories, times and modes do not count). Symbolic links are hashed
 * as the file they point to; a link to a directory, or anything but files and directories, is an error.
 */
export function digestArtifact(path: string): ArtifactDigest {
  try {
    const stat = statSync(path);
    if (stat.isFile()) {
      const hex = hashFile(path);
      return {
        kind: 'file',
        digest: `sha256:${hex}`,
        digestSet: { sha256: hex },
        name: basename(path),
        files: 1,
      };
    }
    if (!stat.isDirectory()) throw new DigestError(`artifact ${path} is neither a file nor a directory`);
    const files = listFiles(path);
    const manifest = treeManifest(files.map((rel) => ({ path: rel, sha256: hashFile(join(path, rel)) })));
    const sum = createHash('sha256').update(manifest).digest();
    return {
      kind: 'directory',
      digest: `sha256:${sum.toString('hex')}`,
      digestSet: { dirHash: `h1:${sum.toString('base64')}` },
      name: basename(path),
      files: files.length,
    };
  } catch (error) {
    if (error instanceof DigestError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DigestError(
      code === 'ENOENT'
        ? `artifact ${path} does not exist`
        : `cannot read artifact ${path}: ${code ?? (error as Error).message}`,
    );
  }
}

/** The manifest a tree digest is taken over; `files` in any order. */
export function treeManifest(files: readonly { path: string; sha256: string }[]): string {
  return [...files]
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .join('');
}

/** The `sha256:<hex>` form of an in-toto digest set, when it has one Runway can compare. */
export function digestOf(digestSet: Readonly<Record<string, unknown>>): string | undefined {
  const sha = digestSet['sha256'];
  if (typeof sha === 'string' && /^[0-9a-f]{64}$/i.test(sha)) return `sha256:${sha.toLowerCase()}`;
  const dir = digestSet['dirHash'];
  if (typeof dir === 'string' && dir.startsWith('h1:')) {
    const raw = Buffer.from(dir.slice(3), 'base64');
    if (raw.length === 32) return `sha256:${raw.toString('hex')}`;
  }
  return undefined;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const dir = rel === '' ? root : join(root, rel);
    for (const name of readdirSync(dir)) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (childRel.includes('\n')) throw new DigestError(`artifact ${root} has a file name with a newline`);
      const child = join(root, childRel);
      const link = lstatSync(child);
      if (link.isDirectory()) walk(childRel);
      else if (link.isFile()) out.push(childRel);
      else if (link.isSymbolicLink()) {
        let target;
        try {
          target = statSync(child);
        } catch {
          throw new DigestError(`artifact ${root}: ${childRel} is a broken symbolic link`);
        }
        if (!target.isFile())
          throw new DigestError(`artifact ${root}: ${childRel} is a symbolic link to a directory`);
        out.push(childRel);
      } else throw new DigestError(`artifact ${root}: ${childRel} is neither a file nor a directory`);
    }
  };
  walk('');
  return out;
}

function hashFile(path: string): string {
  const hash: Hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let n = readSync(fd, buffer, 0, CHUNK, null); n > 0; n = readSync(fd, buffer, 0, CHUNK, null))
      hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
