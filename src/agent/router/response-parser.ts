/** The status line and headers of a backend's response. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** `[name, value, …]` in the backend's order and case. */
  readonly rawHeaders: readonly string[];
  /** The connection can carry another request after this response. */
  readonly keepAlive: boolean;
  /** Idle time the backend allows on this connection (`Keep-Alive: timeout=N`), if it said so. */
  readonly keepAliveMs: number | undefined;
  /** Transfer-Encoding framed the body, so a Content-Length must not be forwarded. */
  readonly transferEncoded: boolean;
}

/** Where the parser sends what it reads. */
export interface ResponseHandlers {
  head(head: ResponseHead): void;
  body(chunk: Buffer): void;
  /** The message is complete; `reusable` says whether the connection may serve another request. */
  end(reusable: boolean): void;
}

/** A backend response that breaks HTTP/1.1 framing rules; the proxy answers 502 and drops the connection. */
export class ResponseParseError extends Error {
  readonly code = 'EBADRESPONSE';
}

const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4096;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type State = 'head' | 'fixed' | 'size' | 'data' | 'data-end' | 'trailers' | 'until-close' | 'done';

/**
 * An incremental, strict HTTP/1.1 response parser (RFC 9112): Content-Length, chunked and
 * read-until-close bodies, no body for HEAD, 204 and 304, interim 1xx skipped. Body chunks are
 * zero-copy slices of the input. Header values are passed on as read: node:http refuses control
 * characters and stray CR/LF in them when the proxy writes them to the client.
 */
export class ResponseParser {
  readonly #handlers: ResponseHandlers;
  readonly #headRequest: boolean;
  #state: State = 'head';
  #buffer: Buffer | undefined;
  #remaining = 0;
  #keepAlive = false;

  /** `headRequest` is true when the request was HEAD, whose response has no body whatever it says. */
  constructor(handlers: ResponseHandlers, headRequest: boolean) {
    this.#handlers = handlers;
    this.#headRequest = headRequest;
  }

  /** Feeds bytes from the backend; throws a ResponseParseError on a malformed message. */
  execute(input: Buffer): void {
    const data = this.#buffer ? Buffer.concat([this.#buffer, input]) : input;
    this.#buffer = undefined;
    let at = 0;
    while (at < data.length) {
      switch (this.#state) {
        case 'head': {
          const end = data.indexOf(HEAD_END, at);
          if (end < 0 || end - at > MAX_HEAD) return this.#keep(data, at, MAX_HEAD, 'response head');
          this.#head(data.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case 'fixed': {
          const n = Math.min(this.#remaining, data.length - at);
          this.#remaining -= n;
          this.#handlers.body(data.subarray(at, at + n));
          at += n;
          if (this.#remaining === 0) this.#finish();
          break;
        }
        case 'size': {
          const end = data.indexOf(CRLF, at);
          if (end < 0) return this.#keep(data, at, MAX_LINE, 'chunk size line');
          const line = data.toString('latin1', at, end);
          const hex = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line)?.[1];
          if (hex === undefined) throw new ResponseParseError(`bad chunk size line ${JSON.stringify(line)}`);
          this.#remaining = parseInt(hex, 16);
          this.#state = this.#remaining === 0 ? 'trailers' : 'data';
          at = end + 2;
          break;
        }
        case 'data': {
          const n = Math.min(this.#remaining, data.length - at);
          this.#remaining -= n;
          this.#handlers.body(data.subarray(at, at + n));
          at += n;
          if (this.#remaining === 0) this.#state = 'data-end';
          break;
        }
        case 'data-end': {
          if (data.length - at < 2) return this.#keep(data, at, 2, 'chunk end');
          if (data[at] !== 13 || data[at + 1] !== 10)
            throw new ResponseParseError('chunk data not followed by CRLF');
          at += 2;
          this.#state = 'size';
          break;
        }
        case 'trailers': {
          const end = data.indexOf(CRLF, at);
          if (end < 0) return this.#keep(data, at, MAX_HEAD, 'trailer section');
          const empty = end === at;
          at = end + 2;
          if (empty) this.#finish();
          break;
        }
        case 'until-close':
          this.#handlers.body(at === 0 ? data : data.subarray(at));
          at = data.length;
          break;
        case 'done':
          throw new ResponseParseError('bytes after the end of the response');
      }
    }
  }

  /** The backend closed the connection: ends a read-until-close body, else throws (truncated message). */
  finish(): void {
    if (this.#state === 'done') return;
    if (this.#state === 'until-close') {
      this.#state = 'done';
      this.#handlers.end(false);
      return;
    }
    throw new ResponseParseError(
      this.#state === 'head'
        ? 'connection closed before a response'
        : 'connection closed in the middle of the body',
    );
  }

  #keep(data: Buffer, at: number, max: number, what: string): void {
    if (data.length - at > max) throw new ResponseParseError(`${what} longer than ${max} bytes`);
    this.#buffer = data.subarray(at);
  }

  #head(text: string): void {
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const statusEnd = eol;
    const code = statusCode(text, eol);
    if (code === 0) throw new ResponseParseError(`bad status line ${JSON.stringify(text.slice(0, eol))}`);
    const http10 = text.charCodeAt(7) === 48;
    const rawHeaders: string[] = [];
    let length: number | undefined;
    let encodings: string | undefined;
    let close = http10;
    let keepAliveMs: number | undefined;
    for (let at = eol + 2; at < text.length; at = eol + 2) {
      eol = text.indexOf('\r\n', at);
      if (eol < 0) eol = text.length;
      const colon = text.indexOf(':', at);
      const name = colon > at && colon < eol ? text.slice(at, colon) : '';
      if (!TOKEN.test(name))
        throw new ResponseParseError(`bad header line ${JSON.stringify(text.slice(at, eol))}`);
      const value = text.slice(colon + 1, eol).trim();
      rawHeaders.push(name, value);
      const special = name.length === 14 || name.length === 17 || name.length === 10;
      switch (special ? name.toLowerCase() : '') {
        case 'content-length':
          for (const part of value.split(',')) {
            const n = /^\s*(\d{1,15})\s*$/.exec(part)?.[1];
            if (n === undefined || (length !== undefined && length !== Number(n))) {
              throw new ResponseParseError(`bad content-length ${JSON.stringify(value)}`);
            }
            length = Number(n);
          }
          break;
        case 'transfer-encoding':
          encodings = encodings === undefined ? value : `${encodings}, ${value}`;
          break;
        case 'connection':
          for (const t of value.toLowerCase().split(',')) {
            if (t.trim() === 'close') close = true;
            else if (t.trim() === 'keep-alive' && http10) close = false;
          }
          break;
        case 'keep-alive': {
          const seconds = /(?:^|,)\s*timeout=(\d+)/i.exec(value)?.[1];
          if (seconds !== undefined) keepAliveMs = Number(seconds) * 1000;
          break;
        }
      }
    }
    if (code < 200) {
      if (code === 101) throw new ResponseParseError('101 switching protocols without an upgrade request');
      return; // interim response: the real one follows
    }
    const chunked = encodings !== undefined && encodings.split(',').pop()?.trim().toLowerCase() === 'chunked';
    this.#keepAlive = !close;
    this.#handlers.head({
      status: code,
      statusText: statusEnd > 13 ? text.slice(13, statusEnd) : '',
      rawHeaders,
      keepAlive: !close,
      keepAliveMs,
      transferEncoded: encodings !== undefined,
    });
    if (this.#headRequest || code === 204 || code === 304) this.#finish();
    else if (encodings !== undefined) {
      this.#state = chunked ? 'size' : 'until-close';
      if (!chunked) this.#keepAlive = false;
    } else if (length !== undefined) {
      this.#remaining = length;
      this.#state = 'fixed';
      if (length === 0) this.#finish();
    } else {
      this.#state = 'until-close';
      this.#keepAlive = false;
    }
  }

  #finish(): void {
    this.#state = 'done';
    this.#handlers.end(this.#keepAlive);
  }
}

/** The status code of a valid `HTTP/1.x NNN[ reason]` line ending at `end`, else 0. */
function statusCode(text: string, end: number): number {
  if (!text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) return 0;
  const minor = text.charCodeAt(7);
  if ((minor !== 48 && minor !== 49) || (end !== 12 && (end < 13 || text.charCodeAt(12) !== 32))) return 0;
  let code = 0;
  for (let i = 9; i < 12; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return 0;
    code = code * 10 + digit;
  }
  return code >= 100 ? code : 0;
}
