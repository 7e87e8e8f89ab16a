import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf } from './dsse.ts';

/** File names `generateSigningKey` writes. */
export const PRIVATE_KEY_FILE = 'runway-signing.key';
export const PUBLIC_KEY_FILE = 'runway-signing.pub';

/** A key that cannot be read or used; the message names the file, never the key's content. */
export class KeyError extends Error {
  override name = 'KeyError';
}

/** Key types Runway signs with. */
const SIGNING_TYPES = new Set(['ed25519']);

/**
 * Writes a new Ed25519 signing key into `dir`: the private key as PKCS#8 PEM readable by the owner only
 * (0600), the public key as SPKI PEM. Refuses to overwrite an existing key.
 *
 * @example generateSigningKey('.runway/keys') // { privateKeyPath: '.runway/keys/runway-signing.key', … }
 */
export function generateSigningKey(dir: string): {
  privateKeyPath: string;
  publicKeyPath: string;
  keyid: string;
} {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  try {
    writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeyError(`${privateKeyPath} already exists; remove it first to make a new key`);
    throw new KeyError(`cannot write ${privateKeyPath}: ${(error as Error).message}`);
  }
  chmodSync(privateKeyPath, 0o600);
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return { privateKeyPath, publicKeyPath, keyid: keyIdOf(publicKey) };
}

/**
 * Reads a private signing key: `source` is a PEM text (from a secret) or a path to a PKCS#8 PEM file.
 * `label` is how errors name it, so the PEM text never appears in a message.
 */
export function loadSigningKey(source: string, label: string): KeyObject {
  const pem = source.trimStart().startsWith('-----BEGIN') ? source : readKeyFile(source);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new KeyError(`${label} is not a PEM private key`);
  }
  if (!SIGNING_TYPES.has(key.asymmetricKeyType ?? ''))
    throw new KeyError(`${label} is a ${key.asymmetricKeyType} key; Runway signs with ed25519 keys`);
  return key;
}

/** Reads a public key (SPKI PEM; a private key file gives its public half); errors name the file. */
export function loadPublicKey(path: string): KeyObject {
  const pem = readKeyFile(path);
  try {
    return createPublicKey(pem);
  } catch {
    throw new KeyError(`${path} is not a PEM public key`);
  }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KeyError(
      code === 'ENOENT' ? `key file ${path} does not exist` : `cannot read key file ${path}: ${code}`,
    );
  }
}
