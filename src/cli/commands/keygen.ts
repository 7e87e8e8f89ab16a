import { resolve } from 'node:path';
import { generateSigningKey, KeyError } from '../../gates/supply-chain/keys.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { parse } from '../setup.ts';

/** `runway keygen [DIR] [--json]`: writes an Ed25519 signing key pair for `uses: attest`. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length > 1) throw new UsageError(`keygen takes one directory, got ${positionals.length}`);
  try {
    const key = generateSigningKey(resolve(io.cwd, positionals[0] ?? 'keys'));
    io.out(
      values.json
        ? `${JSON.stringify(key)}\n`
        : `private key ${key.privateKeyPath} (mode 0600: store it as a secret, never commit it)\npublic key  ${key.publicKeyPath}\nkey id      ${key.keyid}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof KeyError) throw new UsageError(error.message);
    throw error;
  }
}
