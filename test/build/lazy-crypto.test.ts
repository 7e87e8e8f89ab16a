import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LAZY_CRYPTO, LAZY_CRYPTO_CLASSES, LAZY_CRYPTO_SOURCE } from '../../scripts/lazy-crypto.ts';
import { REPO } from '../e2e/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'runway-lazy-crypto-'));
const file = join(dir, 'crypto.mjs');
writeFileSync(file, LAZY_CRYPTO_SOURCE);
const lazy = (await import(pathToFileURL(file).href)) as typeof crypto;

/** Every name Runway's sources import from node:crypto (values, not types). */
function importedNames(): Set<string> {
  const names = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/import \{([^}]*)\} from 'node:crypto'/g))
          for (const part of (m[1] ?? '').split(','))
            if (part.trim() && !part.trim().startsWith('type ')) names.add(part.trim().split(/\s+as\s+/)[0]!);
        assert.doesNotMatch(text, /import \* as \w+ from 'node:crypto'/, `${path}: name what it uses`);
      }
    }
  };
  walk(join(REPO, 'src'));
  return names;
}

describe('scripts/lazy-crypto.ts (node:crypto in the bundle)', () => {
  it('stands in for every node:crypto function the sources import, each a real one', () => {
    const listed = new Set([...LAZY_CRYPTO, ...LAZY_CRYPTO_CLASSES]);
    for (const name of importedNames()) assert.ok(listed.has(name), `${name} is not in LAZY_CRYPTO`);
    for (const name of listed)
      assert.equal(typeof (crypto as unknown as Record<string, unknown>)[name], 'function', name);
  });

  it('gives what node:crypto gives: hashes, MACs, keys, signatures, ids, certificates', () => {
    const data = Buffer.from('runway');
    assert.equal(
      lazy.createHash('sha256').update(data).digest('hex'),
      crypto.createHash('sha256').update(data).digest('hex'),
    );
    assert.equal(
      lazy.createHmac('sha256', 'k').update(data).digest('hex'),
      crypto.createHmac('sha256', 'k').update(data).digest('hex'),
    );
    const { privateKey, publicKey } = lazy.generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const signature = lazy.sign(null, data, lazy.createPrivateKey(pem));
    assert.equal(crypto.verify(null, data, publicKey, signature), true);
    assert.equal(lazy.verify(null, data, lazy.createPublicKey(privateKey), signature), true);
    assert.equal(lazy.verify(null, Buffer.from('other'), publicKey, signature), false);
    assert.match(lazy.randomUUID(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(lazy.randomBytes(16).length, 16);
    assert.equal(lazy.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')), true);
    const root = JSON.parse(
      readFileSync(join(REPO, 'src', 'gates', 'supply-chain', 'public-good-trusted-root.json'), 'utf8'),
    ) as { certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[] };
    const der = Buffer.from(root.certificateAuthorities[0]!.certChain.certificates[0]!.rawBytes, 'base64');
    const cert = new lazy.X509Certificate(der);
    assert.ok(cert instanceof crypto.X509Certificate);
    assert.equal(cert.subject, new crypto.X509Certificate(der).subject);
  });

  it('loads node:crypto at the first call, not when a module importing it loads', () => {
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `import { createHash } from ${JSON.stringify(pathToFileURL(file).href)};\n` +
        `const loaded = () => process.moduleLoadList.includes('NativeModule crypto');\n` +
        `const before = loaded(); createHash('sha256'); console.log(JSON.stringify([before, loaded()]));\n`,
    );
    const res = spawnSync(process.execPath, [probe], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), [false, true]);
  });
});
