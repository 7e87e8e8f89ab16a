/** Headers that describe one connection, not the message; a proxy never forwards them (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Lengths of the names the proxy treats specially (above, plus Expect, X-Forwarded-For, Content-Length). */
const SPECIAL_LENGTHS = new Set(
  [...HOP_BY_HOP, 'expect', 'x-forwarded-for', 'content-length'].map((n) => n.length),
);

/**
 * The headers to send to the backend, as a flat `[name, value, …]` list in the client's order and case:
 * hop-by-hop headers (and those the client's `Connection` names) removed, `Expect` removed (Node has
 * already answered `100 Continue`), the client address appended
 * to `X-Forwarded-For`, `Host` kept (added from `fallbackHost` for HTTP/1.0 clients), and
 * `Transfer-Encoding: chunked` restored when the body has no length so the backend still sees one.
 */
export function requestHeaders(
  raw: readonly string[],
  clientAddress: string | undefined,
  fallbackHost: string,
  upgrade?: string,
): string[] {
  const out: string[] = [];
  const dropped = connectionTokens(raw);
  let forwardedFor: string | undefined;
  let hasHost = false;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name.length === 4 && (name === 'Host' || name.toLowerCase() === 'host')) hasHost = true;
    if (dropped === undefined && !SPECIAL_LENGTHS.has(name.length)) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (lower === 'transfer-encoding') chunked = true;
    if (lower === 'expect') continue;
    if (HOP_BY_HOP.has(lower) || (dropped !== undefined && dropped.has(lower))) continue;
    out.push(name, value);
  }
  if (!hasHost) out.push('Host', fallbackHost);
  if (clientAddress !== undefined) {
    out.push(
      'X-Forwarded-For',
      forwardedFor === undefined ? clientAddress : `${forwardedFor}, ${clientAddress}`,
    );
  } else if (forwardedFor !== undefined) {
    out.push('X-Forwarded-For', forwardedFor);
  }
  if (upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', upgrade);
  else if (chunked) out.push('Transfer-Encoding', 'chunked');
  return out;
}

/**
 * The backend's response headers for the client: hop-by-hop ones removed (and Content-Length when a
 * Transfer-Encoding framed the body), plus the version header if asked.
 */
export function responseHeaders(
  raw: readonly string[],
  versionHeader: readonly [string, string] | undefined,
  transferEncoded = false,
): string[] {
  const out: string[] = [];
  const dropped = connectionTokens(raw);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (dropped !== undefined || SPECIAL_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || (dropped !== undefined && dropped.has(lower))) continue;
      if (transferEncoded && lower === 'content-length') continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  if (versionHeader) out.push(versionHeader[0], versionHeader[1]);
  return out;
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const t of (raw[i + 1] as string).split(',')) {
      const token = t.trim().toLowerCase();
      if (token && token !== 'close' && token !== 'keep-alive') (tokens ??= new Set()).add(token);
    }
  }
  return tokens;
}
