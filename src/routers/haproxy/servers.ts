/*
 * What Runway reads from and computes for HAProxy, without talking to it: server names that carry
 * the version, the `show servers state` and `show stat` tables, and whole-number server weights
 * (HAProxy's 0..256) that come closest to a per-mille split.
 */

/** HAProxy's largest server weight. */
export const MAX_SERVER_WEIGHT = 256;

/** The server that holds the newest lease token seen (`add server` of it is how a write is fenced). */
export const FENCE_PREFIX = 'runway-fence-';

/** The name of a version's `index`th server (`+`, which HAProxy refuses in names, becomes `:`). */
export function serverName(version: string, index: number): string {
  return `${version.replace(/\+/g, ':')}_${index}`;
}

/** The version a server name carries, or undefined for a server Runway did not name. */
export function versionOf(name: string): string | undefined {
  const m = /^(.+)_(\d+)$/.exec(name);
  return m ? m[1]!.replace(/:/g, '+') : undefined;
}

/** One server of a backend, from `show servers state <backend>`. */
export interface ServerState {
  readonly name: string;
  /** `host:port`. */
  readonly address: string;
  /** Put in maintenance by the runtime API or the config (no new requests). */
  readonly maintenance: boolean;
  /** The weight set by the runtime API (`srv_uweight`). */
  readonly weight: number;
}

/** Parses the answer to `show servers state <backend>`; throws on an answer that is not one. */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# be_id'));
  if (!header)
    throw new Error(`unexpected answer to "show servers state": ${JSON.stringify(text.slice(0, 200))}`);
  const cols = header.slice(2).trim().split(/\s+/);
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`"show servers state" has no column ${name}`);
    return i;
  };
  const [name, addr, port, admin, weight] = [
    'srv_name',
    'srv_addr',
    'srv_port',
    'srv_admin_state',
    'srv_uweight',
  ].map(at);
  return lines
    .filter((l) => !l.startsWith('#') && /\s/.test(l.trim()))
    .map((l) => l.trim().split(/\s+/))
    .map((f) => ({
      name: f[name!]!,
      address: `${f[addr!]}:${f[port!]}`,
      // SRV_ADMF_FMAINT 0x01, IMAINT 0x02, CMAINT 0x04, RMAINT 0x20
      maintenance: (Number(f[admin!]) & 0x27) !== 0,
      weight: Number(f[weight!]),
    }));
}

/** One server's counters from `show stat`. */
export interface ServerStat {
  readonly name: string;
  readonly requests: number;
  readonly codes: Readonly<Record<string, number>>;
  readonly errors: number;
}

/** The servers of `backend` in the CSV answer to `show stat`. */
export function parseStat(csv: string, backend: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# pxname'));
  if (!header) throw new Error(`unexpected answer to "show stat": ${JSON.stringify(csv.slice(0, 200))}`);
  const cols = header.slice(2).split(',');
  const col = (row: string[], name: string) => Number(row[cols.indexOf(name)] || 0);
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.split(','))
    .filter((r) => r[0] === backend && r[1] !== 'BACKEND' && r[1] !== 'FRONTEND')
    .map((r) => {
      const codes: Record<string, number> = {};
      for (const k of ['1xx', '2xx', '3xx', '4xx', '5xx']) {
        const n = col(r, `hrsp_${k}`);
        if (n > 0) codes[k] = n;
      }
      return {
        name: r[1]!,
        requests: cols.includes('req_tot') ? col(r, 'req_tot') : col(r, 'stot'),
        codes,
        errors: col(r, 'hrsp_5xx'),
      };
    });
}

/**
 * Whole-number weights (0..256) in the proportions of `shares` (any non-negative numbers): the
 * smallest scale whose rounding strays least from the exact split. A positive share never becomes 0, so a
 * 0.1 % canary gets 1 of 257 requests rather than none.
 *
 * @example serverWeights([900, 100]) // [9, 1]
 */
export function serverWeights(shares: readonly number[]): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  const top = Math.max(0, ...shares);
  if (total <= 0) return shares.map(() => 0);
  let best: number[] = [];
  let bestError = Infinity;
  for (let scale = 1; scale <= MAX_SERVER_WEIGHT; scale++) {
    const w = shares.map((s) => (s > 0 ? Math.max(1, Math.round((s / top) * scale)) : 0));
    const sum = w.reduce((a, b) => a + b, 0);
    if (sum === 0) continue;
    const error = shares.reduce((e, s, i) => e + Math.abs(w[i]! / sum - s / total), 0);
    if (error < bestError - 1e-12) {
      best = w;
      bestError = error;
    }
  }
  return best;
}

/** Per-mille by version from server weights, rounded so that they sum to 1000 (largest remainders). */
export function perMille(weights: ReadonlyMap<string, number>): Record<string, number> {
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return Object.fromEntries([...weights.keys()].map((v) => [v, 0]));
  const exact = [...weights].map(([v, w]) => ({ v, x: (w * 1000) / total }));
  const out = Object.fromEntries(exact.map(({ v, x }) => [v, Math.floor(x)]));
  let left = 1000 - Object.values(out).reduce((a, b) => a + b, 0);
  for (const { v } of [...exact].sort((a, b) => (b.x % 1) - (a.x % 1))) {
    if (left-- <= 0) break;
    out[v] = out[v]! + 1;
  }
  return out;
}
