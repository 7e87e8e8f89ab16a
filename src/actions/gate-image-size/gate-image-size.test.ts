import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import type { ActionContext } from '../action.ts';
import { formatSize, parseSize } from '../../gates/artifact/image-size.ts';
import { gateImageSize } from './gate-image-size.ts';

const FIXTURES = new URL('../../../test/fixtures/image-size/', import.meta.url).pathname;
let dir: string;

function ctx(inputs: Record<string, unknown>, lines: string[] = []): ActionContext {
  return {
    inputs,
    workingDirectory: dir,
    log: (line) => lines.push(line),
  } as Partial<ActionContext> as ActionContext;
}

describe('gate/image-size', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runway-image-size-'));
    cpSync(FIXTURES, dir, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an OCI image layout (umoci) counts its layers uncompressed and passes under the limit', async () => {
    const lines: string[] = [];
    const result = await gateImageSize.run(ctx({ 'oci-layout': 'umoci-oci-layout', limit: '500MB' }, lines));
    assert.deepEqual(result, {
      ok: true,
      evidence: { 'image.size_bytes': 51744 },
      outputs: { bytes: '51744' },
    });
    assert.match(
      lines[0] ?? '',
      /umoci-oci-layout: 1 layer, 20\.4 kB compressed: 51\.7 kB \(51744 bytes\), limit 500\.0 MB$/,
    );
  });

  it('the limit is on the uncompressed size: 30 kB fails a 20 kB compressed, 52 kB image', async () => {
    const result = await gateImageSize.run(
      ctx({ 'oci-layout': 'umoci-oci-layout', ref: '1.4.2', limit: '30kB' }),
    );
    assert.equal(result.ok, false);
    assert.match(
      result.reason ?? '',
      /^image too large: 51\.7 kB \(51744 bytes\) is not under the limit of 30\.0 kB — OCI image layout .*\(ref 1\.4\.2\)/,
    );
    assert.deepEqual(result.evidence, { 'image.size_bytes': 51744 });
  });

  it('docker image inspect JSON: the backend over 500MB fails, the worker under it passes', async () => {
    const backend = await gateImageSize.run(
      ctx({
        'docker-inspect': 'docker-image-inspect.docs-example.json',
        ref: 'dawsos-backend:4c1e2f9',
        limit: '500MB',
      }),
    );
    assert.equal(backend.ok, false);
    assert.match(
      backend.reason ?? '',
      /^image too large: 612\.3 MB \(612345678 bytes\) is not under the limit of 500\.0 MB — docker image inspect dawsos-backend:4c1e2f9$/,
    );
    const worker = await gateImageSize.run(
      ctx({
        'docker-inspect': 'docker-image-inspect.docs-example.json',
        ref: 'dawsos-worker:4c1e2f9',
        limit: '500MB',
      }),
    );
    assert.equal(worker.ok, true);
    assert.equal(worker.evidence?.['image.size_bytes'], 458410761);
  });

  it('a directory adds up its files; a .tar.gz counts uncompressed; exactly the limit fails', async () => {
    mkdirSync(join(dir, 'dist/app'), { recursive: true });
    writeFileSync(join(dir, 'dist/app/a.py'), 'x'.repeat(600));
    writeFileSync(join(dir, 'dist/b.txt'), 'y'.repeat(400));
    assert.equal((await gateImageSize.run(ctx({ path: 'dist', limit: 1001 }))).ok, true);
    assert.equal((await gateImageSize.run(ctx({ path: 'dist', limit: 1000 }))).ok, false);
    writeFileSync(join(dir, 'image.tar.gz'), gzipSync(Buffer.alloc(2_000_000)));
    const tar = await gateImageSize.run(ctx({ path: 'image.tar.gz', limit: '1MB' }));
    assert.equal(tar.ok, false);
    assert.match(tar.reason ?? '', /2\.0 MB \(2000000 bytes\).*image\.tar\.gz \(uncompressed\)$/);
  });

  it('fails with the file and what was expected, never passes, on what it cannot measure', async () => {
    const reason = async (inputs: Record<string, unknown>): Promise<string> => {
      const r = await gateImageSize.run(ctx({ limit: '500MB', ...inputs }));
      assert.equal(r.ok, false);
      return r.reason ?? '';
    };
    assert.match(await reason({ 'oci-layout': 'nowhere' }), /nowhere\/index\.json: ENOENT/);
    assert.match(
      await reason({ 'oci-layout': 'umoci-oci-layout', ref: 'latest' }),
      /no image named "latest"; refs in the layout: 1\.4\.2$/,
    );
    assert.match(
      await reason({ 'docker-inspect': 'docker-image-inspect.docs-example.json' }),
      /expected one image, found 2; set ref to one of its RepoTags$/,
    );
    writeFileSync(join(dir, 'bad.json'), '[{"RepoTags":["x:1"],"Size":"big"}]');
    assert.match(
      await reason({ 'docker-inspect': 'bad.json' }),
      /bad\.json: expected "Size" \(bytes\) .*got "big"$/,
    );
    writeFileSync(join(dir, 'trunc.json'), '[{"Size":');
    assert.match(await reason({ 'docker-inspect': 'trunc.json' }), /trunc\.json: not JSON/);
    // a digest that would leave blobs/ is refused before any file is opened
    cpSync(join(dir, 'umoci-oci-layout'), join(dir, 'evil'), { recursive: true });
    writeFileSync(
      join(dir, 'evil/index.json'),
      JSON.stringify({
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:../../x' }],
      }),
    );
    assert.match(
      await reason({ 'oci-layout': 'evil' }),
      /expected a digest "sha256:<64 hex>", got "sha256:\.\.\/\.\.\/x"/,
    );
  });

  it('a second source, none, or a limit that is not a size: one clear load-time problem each', () => {
    const validate = new Ajv({ strict: false }).compile(gateImageSize.inputs);
    assert.equal(validate({ 'oci-layout': 'a', limit: '500MB' }), true);
    assert.equal(validate({ path: 'a', limit: 524288000 }), true);
    assert.equal(validate({ path: 'a' }), false);
    const check = (inputs: Record<string, unknown>) => gateImageSize.check?.(inputs, {} as never);
    assert.deepEqual(check({ path: 'a', limit: '500MB' }), []);
    assert.deepEqual(check({ path: 'a', 'oci-layout': 'b', limit: '1GB' }), [
      {
        input: 'path',
        message:
          'give exactly one of oci-layout, docker-inspect, path (the image to measure); got oci-layout and path',
      },
    ]);
    assert.deepEqual(check({ path: 'a', limit: '500 megs' }), [
      {
        input: 'limit',
        message: '"500 megs" is not a size: expected bytes or a number with B, kB, MB, GB, KiB, MiB, GiB',
      },
    ]);
  });
});

describe('sizes', () => {
  it('MB is decimal as Docker prints it, MiB binary', () => {
    assert.equal(parseSize('500MB'), 500_000_000);
    assert.equal(parseSize('512MiB'), 536_870_912);
    assert.equal(parseSize('1.5 GB'), 1_500_000_000);
    assert.equal(parseSize(42), 42);
    assert.throws(() => parseSize('5 parsecs'), /"5 parsecs" is not a size/);
    assert.equal(formatSize(458410761), '458.4 MB');
  });

  it('any size printed in bytes or MB reads back to the same byte count (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (n) => {
        assert.equal(parseSize(`${n}`), n);
        assert.equal(parseSize(`${n}B`), n);
        assert.equal(parseSize(`${n / 1e6}MB`), n);
      }),
    );
  });
});
