/**
 * How CLI commands talk to a running hocba API: where it is (flag, HOCBA_API_URL, or the embedded
 * default: this machine's $PORT), and one call that turns the API's error envelope back into the
 * HocbaError it came from, so `main.ts` gives the same exit code a local failure with that code
 * would. A service that cannot be reached is API_UNAVAILABLE (its own exit code) naming the address,
 * not a stack trace and not "unreadable file".
 */
import { ERROR_CODES, HocbaError, type ErrorCode } from "../core/errors";
import { readInput, STRING, type CliIo } from "./io";

export const API_URL_ENV = "HOCBA_API_URL";
/** Where `hocba serve` listens without configuration. */
export const DEFAULT_PORT = 8080;

/** The service on this machine: http://127.0.0.1:$PORT (the server's own setting), else port 8080. */
export function defaultApiUrl(env: Record<string, string | undefined>): string {
  const port = env.PORT?.trim();
  return `http://127.0.0.1:${port && /^\d{1,5}$/.test(port) ? port : DEFAULT_PORT}`;
}

/** The API's base URL: `--api`, else HOCBA_API_URL, else the local service on $PORT. @throws USAGE. */
export function apiBaseUrl(flag: string | undefined, io: CliIo): string {
  const value = flag ?? (io.env[API_URL_ENV] || undefined) ?? defaultApiUrl(io.env);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HocbaError("USAGE", `not a URL: ${value} (--api or ${API_URL_ENV})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new HocbaError("USAGE", `the API URL must be http(s): ${value}`);
  return url.href.replace(/\/+$/, "");
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);
}

/** The HocbaError an error envelope (`{error: {code, message, details}}`) stands for. */
export function errorFromEnvelope(status: number, body: unknown): HocbaError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const message = typeof error?.message === "string" ? error.message : `the API answered HTTP ${status}`;
  const code: ErrorCode = isErrorCode(error?.code) ? error.code : "INTERNAL";
  return new HocbaError(code, message, error?.details === undefined ? {} : { details: error.details });
}

/**
 * POSTs (or GETs) JSON with a bearer token (none for public routes); resolves with the status and parsed body of a 2xx answer.
 * A Uint8Array body is sent as it is, as `application/pdf` (signed PDFs), with `headers` beside it.
 * @throws HocbaError with the envelope's code for 4xx/5xx, IO when the API cannot be reached or
 *   does not answer JSON.
 */
export async function callApi<T>(
  baseUrl: string,
  token: string | undefined,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const raw = body instanceof Uint8Array;
  const url = `${baseUrl}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": raw ? "application/pdf" : "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: raw ? Buffer.from(body) : JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new HocbaError(
      "API_UNAVAILABLE",
      `cannot reach the hocba API at ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message} (is \`hocba serve\` running? set ${API_URL_ENV} or --api)`,
      { cause: error },
    );
  }
  const text = await response.text();
  if (response.status === 204) return { status: 204, body: undefined as T };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HocbaError("IO", `${method} ${url} answered HTTP ${response.status} without JSON`, {
      cause: error,
    });
  }
  if (!response.ok) throw errorFromEnvelope(response.status, parsed);
  return { status: response.status, body: parsed as T };
}

export const ADMIN_TOKEN_ENV = "HOCBA_ADMIN_TOKEN";

/** The help lines of ADMIN_API_OPTIONS (in a command's help, under "options:"). */
export const ADMIN_API_HELP = `  --api <url>             the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:$PORT, port 8080)
  --admin-token <token>   the ADMIN_TOKEN (default $${ADMIN_TOKEN_ENV}, else $ADMIN_TOKEN)
  --admin-token-file <f>  a file holding it (e.g. data/demo/admin.token)
  -h, --help              this text`;

/** The parseArgs options of the commands that call the admin API: where it is and the token. */
export const ADMIN_API_OPTIONS = {
  api: STRING,
  "admin-token": STRING,
  "admin-token-file": STRING,
} as const;

/**
 * The admin token: `--admin-token`, else the file of `--admin-token-file` (e.g. data/demo/admin.token),
 * else HOCBA_ADMIN_TOKEN, else ADMIN_TOKEN (the server's own setting). @throws USAGE, IO.
 */
export function adminToken(
  values: { "admin-token"?: string; "admin-token-file"?: string },
  io: CliIo,
  help: string,
): string {
  const file = values["admin-token-file"];
  return secretFrom(
    values["admin-token"] ??
      (file === undefined ? undefined : readInput(file, "admin token file").toString("utf8")),
    { ...io, env: { ...io.env, [ADMIN_TOKEN_ENV]: io.env[ADMIN_TOKEN_ENV] || io.env.ADMIN_TOKEN } },
    ADMIN_TOKEN_ENV,
    "--admin-token",
    help,
  );
}

/** A secret from a flag, else an environment variable. @throws USAGE naming both. */
export function secretFrom(flag: string | undefined, io: CliIo, env: string, option: string, help: string) {
  const value = flag ?? io.env[env];
  if (value === undefined || value.trim() === "")
    throw new HocbaError(
      "USAGE",
      `no ${option.replace(/^--/, "").replace(/-/g, " ")}: give ${option} or set ${env}\n\n${help}`,
    );
  return value.trim();
}
