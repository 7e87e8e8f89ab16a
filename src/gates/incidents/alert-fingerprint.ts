const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

/**
 * The fingerprint Alertmanager gives an alert: FNV-1a 64 over its labels sorted by name, as 16 hex
 * digits (Prometheus' `labelSetToFingerprint`). Older Alertmanagers leave it out of webhooks.
 * @example alertFingerprint({}) // 'cbf29ce484222325'
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  let hash = OFFSET;
  const add = (byte: number) => {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * PRIME);
  };
  const names = Object.keys(labels).map((name) => ({ name, bytes: encoder.encode(name) }));
  names.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  for (const { name, bytes } of names) {
    for (const byte of bytes) add(byte);
    add(SEPARATOR);
    for (const byte of encoder.encode(labels[name] ?? '')) add(byte);
    add(SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
