import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../package-root.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { JSON_FLAG, parse } from '../flags.ts';

/** The files `runway init` writes, from templates/init/ in the package. */
export const INIT_TEMPLATES = join(PACKAGE_ROOT, 'templates', 'init');

/** Template files named without their leading dot, since npm leaves dotfiles such as .gitignore out of packages. */
const DOTFILES: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * `runway init [DIR]`: writes a runway.yaml and a small sample service (an HTTP server, its tests,
 * package.json) into DIR, so that `runway run` there goes through checks, tests with coverage
 * gates, an SBOM and the security gates. Refuses to overwrite any file.
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...JSON_FLAG, name: { type: 'string' } });
  if (positionals.length > 1) throw new UsageError(`init takes one folder, got ${positionals.length}`);
  const dir = resolve(io.cwd, positionals[0] ?? '.');
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const name = values.name ?? serviceName(basename(dir));
  if (!NAME.test(name))
    throw new UsageError(
      `invalid service name "${name}" — expected lowercase letters, digits, "-" or "_", starting with a letter (--name)`,
    );

  const files = templateFiles(INIT_TEMPLATES).map((file) => ({
    from: join(INIT_TEMPLATES, file),
    to: join(
      dir,
      file
        .split('/')
        .map((part) => DOTFILES[part] ?? part)
        .join('/'),
    ),
  }));
  const taken = files.filter((f) => existsSync(f.to)).map((f) => relative(io.cwd, f.to) || f.to);
  if (taken.length)
    throw new UsageError(`init writes nothing over existing files: ${taken.join(', ')} already exist`);

  for (const f of files) {
    mkdirSync(resolve(f.to, '..'), { recursive: true });
    writeFileSync(f.to, readFileSync(f.from, 'utf8').replaceAll('__NAME__', name), { flag: 'wx' });
  }
  const written = files.map((f) => relative(dir, f.to));
  if (values.json) {
    io.out(`${JSON.stringify({ dir, service: name, files: written })}\n`);
  } else {
    const near = relative(io.cwd, dir);
    const where = near.startsWith('..') ? dir : near;
    io.out(
      `wrote ${written.length} files for ${name} in ${where || '.'}: ${written.join(', ')}\n\n` +
        `next:\n${where ? `  cd ${where}\n` : ''}  runway validate    # the plan\n  runway run         # check → test (coverage gates) → SBOM → secrets and licenses\n`,
    );
  }
  return EXIT.ok;
}

/** A service name from a folder name: lowercase, other characters as "-". */
export function serviceName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  return name || 'my-service';
}

function templateFiles(root: string, sub = ''): string[] {
  return readdirSync(join(root, sub), { withFileTypes: true }).flatMap((entry) => {
    const path = sub ? `${sub}/${entry.name}` : entry.name;
    return entry.isDirectory() ? templateFiles(root, path) : [path];
  });
}
