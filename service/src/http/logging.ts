/**
 * What hocba's logs may say (no token, key, citizen ID or name with birth date in any
 * log line, at any level). One set of pino options for every process (`hocba serve`, `hocba
 * worker`, tests), in three layers:
 *   1. serializers: a request is logged as method, path and only the query parameters known to
 *      be harmless (LOGGED_QUERY_PARAMETERS); headers and bodies never; an error as its type,
 *      message, code and stack — never its other properties (a database error's `detail` holds row
 *      values, a client error's `rawPacket` the raw request with its Authorization header);
 *   2. redaction of header and body paths, for anything logged by hand;
 *   3. a last pass over every written line that blanks what looks like a secret or a citizen ID
 *      wherever it appears: hocba API keys, bearer tokens, 43-character random secrets (share
 *      tokens, the generated admin token), 12-digit numbers, and the values of query parameters
 *      outside the list in any URL.
 */
import type { LoggerOptions } from "pino";

/** Query parameters whose values may be logged; every other value is replaced by REDACTED. */
export const LOGGED_QUERY_PARAMETERS: ReadonlySet<string> = new Set(["at", "year", "schoolCode", "lang"]);

export const REDACTED = "<redacted>";

/** `url` with the value of every query parameter outside LOGGED_QUERY_PARAMETERS replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq < 0 || LOGGED_QUERY_PARAMETERS.has(name) ? pair : `${name}=${REDACTED}`;
    });
  return `${url.slice(0, q)}?${query.join("&")}`;
}

const SCRUBS: ReadonlyArray<[RegExp, (match: string, ...groups: string[]) => string]> = [
  // An API key keeps its public id (which row), loses its secret.
  [/hocba_([iv])_([0-9a-f]{12})_[A-Za-z0-9_-]+/g, (_m, kind, id) => `hocba_${kind}_${id}_${REDACTED}`],
  // A staff member's device token has no public part.
  [/hocba_d_[A-Za-z0-9_-]+/g, () => `hocba_d_${REDACTED}`],
  [/(Bearer|Basic)\s+[^\s"\\]+/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  // A query parameter in any URL of any string (the values of names outside the list).
  [
    /([?&])([A-Za-z0-9_.-]+)=([^&#"\s\\]*)/g,
    (m, sep, name) => (LOGGED_QUERY_PARAMETERS.has(name) ? m : `${sep}${name}=${REDACTED}`),
  ],
  // 256-bit base64url secrets (share tokens, a generated admin token), not part of a longer word.
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, () => REDACTED],
  // A citizen ID (CCCD: 12 digits), not part of a longer number or a fraction.
  [/(?<![\d.])\d{12}(?!\d)/g, () => REDACTED],
];

/** A written log line with anything shaped like a secret or a citizen ID blanked. */
export function scrubLogLine(line: string): string {
  let out = line;
  for (const [pattern, replace] of SCRUBS)
    out = out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  return out;
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** How a request is logged: never its headers, body or the values of personal query parameters. */
export function requestLogView(request: RequestLike): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url ?? ""),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** How an error is logged: type, message, code, status and stack, and its causes the same way. */
export function errorLogView(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const e = error as Error & { code?: unknown; statusCode?: unknown };
  const view: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  if (typeof e.code === "string" || typeof e.code === "number") view.code = e.code;
  if (typeof e.statusCode === "number") view.statusCode = e.statusCode;
  if (e.cause !== undefined && depth < 4) view.cause = errorLogView(e.cause, depth + 1);
  return view;
}

/** Paths blanked in anything logged by hand (pino `redact`). */
const REDACT_PATHS = [
  "req.headers",
  "headers.authorization",
  "headers.cookie",
  "*.headers.authorization",
  "*.headers.cookie",
  "authorization",
  "body",
  "*.body",
  "payload",
  "*.payload",
  "query",
  "*.query",
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "citizenId",
  "*.citizenId",
];

/** The pino options of every hocba logger. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: {
      req: requestLogView,
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      err: errorLogView,
    },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: scrubLogLine },
  };
}
