import type { Plugin } from 'esbuild';

/**
 * node:crypto loads when one of its functions is first called, not when a module that imports it
 * loads: the bundle imports these stand-ins, each forwarding to the real function (`new` works for
 * X509Certificate). Most commands (validate, --version, status…) never hash or sign, and loading
 * node:crypto costs every start several milliseconds. A name not listed here fails the build ("No
 * matching export"), so none can be missed.
 */
export const LAZY_CRYPTO = [
  'createHash',
  'createHmac',
  'createPrivateKey',
  'createPublicKey',
  'generateKeyPairSync',
  'randomBytes',
  'randomUUID',
  'sign',
  'timingSafeEqual',
  'verify',
];
export const LAZY_CRYPTO_CLASSES = ['X509Certificate'];

/** The module the bundle gets for `node:crypto`: a stand-in per name, loading the real one on first use. */
export const LAZY_CRYPTO_SOURCE = [
  "const crypto = () => process.getBuiltinModule('node:crypto');",
  ...LAZY_CRYPTO.map((name) => `export function ${name}(...args) { return crypto().${name}(...args); }`),
  ...LAZY_CRYPTO_CLASSES.map(
    (name) => `export function ${name}(...args) { return new (crypto().${name})(...args); }`,
  ),
].join('\n');

/** An esbuild plugin that resolves `node:crypto` (and `crypto`) to LAZY_CRYPTO_SOURCE. */
export function lazyCrypto(): Plugin {
  return {
    name: 'lazy-crypto',
    setup(b) {
      b.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: 'node:crypto', namespace: 'lazy-crypto' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-crypto' }, () => ({
        contents: LAZY_CRYPTO_SOURCE,
        loader: 'js',
      }));
    },
  };
}
