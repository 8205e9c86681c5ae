/**
 * The one configuration loader (README, Configuration). Every setting is declared once in SETTINGS with its
 * type, default and meaning; `loadConfig(env)` validates an environment against it and returns a
 * typed, frozen Config, reporting every bad value at once. Nothing else reads `process.env`: the
 * entry points pass it in. Embedded and production modes differ only in which settings are present
 * (DATABASE_URL → PostgreSQL instead of PGlite, REDIS_URL → BullMQ instead of the in-process runner,
 * CHAIN_RPC_URL → an external chain instead of the embedded anvil).
 */
import { ADDRESS_PATTERN, matches } from "../core/encoding";
import { isIP } from "node:net";
import path from "node:path";
import { HocbaError } from "../core/errors";

type Kind = "string" | "int" | "url" | "list" | "path" | "choice";

interface Setting {
  readonly kind: Kind;
  readonly default?: string;
  readonly min?: number;
  readonly max?: number;
  readonly secret?: boolean;
  /** kind "choice": the values it may take; the Config type is their union. */
  readonly choices?: readonly string[];
  readonly description: string;
}

/** Every environment variable hocba reads, in the order the README lists them. */
export const SETTINGS = {
  HOST: { kind: "string", default: "127.0.0.1", description: "address the HTTP server listens on" },
  PORT: { kind: "int", default: "8080", min: 0, max: 65535, description: "HTTP port" },
  HTTP_PROCESSES: {
    kind: "int",
    default: "1",
    min: 1,
    max: 64,
    description:
      "`hocba serve` processes sharing PORT (node:cluster; one per core); above 1 needs DATABASE_URL, CHAIN_RPC_URL and REDIS_URL",
  },
  PUBLIC_URL: {
    kind: "url",
    description:
      "the service's address as users reach it (behind a proxy: the outside one), for the verifier links and QR codes printed in PDFs; unset = http://HOST:PORT",
  },
  TRUST_PROXY: {
    kind: "string",
    description:
      "behind a load balancer: the proxies whose X-Forwarded-For gives the client address the rate limits count, a comma-separated list of addresses/CIDRs (or loopback, linklocal, uniquelocal); unset = none, the connection's address counts",
  },
  DATA_DIR: {
    kind: "path",
    default: "./data",
    description:
      "where the embedded database, chain state and demo files live; made private at start (folders 0700, files 0600)",
  },
  DATABASE_URL: {
    kind: "url",
    secret: true,
    description: "PostgreSQL connection string; unset = embedded PGlite under DATA_DIR/pglite",
  },
  DATABASE_POOL_SIZE: { kind: "int", default: "10", min: 1, max: 200, description: "PostgreSQL pool size" },
  REDIS_URL: {
    kind: "url",
    secret: true,
    description: "Redis for BullMQ workers; unset = in-process job runner",
  },
  REDIS_PREFIX: {
    kind: "string",
    default: "hocba",
    description:
      "prefix of hocba's BullMQ keys in Redis (separate deployments sharing a Redis use their own)",
  },
  CHAIN_RPC_URL: {
    kind: "url",
    description: "JSON-RPC of the chain; unset = embedded anvil with state under DATA_DIR/chain",
  },
  CHAIN_STATE_INTERVAL_S: {
    kind: "int",
    default: "1",
    min: 1,
    description:
      "embedded chain only: seconds between writes of its state file (a crash loses at most this much)",
  },
  CHAIN_ID: { kind: "int", min: 1, description: "expected chain id (checked at start when set)" },
  REGISTRY_ADDRESS: {
    kind: "string",
    description: "TranscriptRegistry address; unset with the embedded chain = deployed on first start",
  },
  ANCHOR_KEY: { kind: "string", secret: true, description: "hex private key of the anchoring account" },
  ANCHOR_KEY_FILE: { kind: "path", description: "file holding the anchoring key (instead of ANCHOR_KEY)" },
  CHAIN_CONFIRMATIONS: { kind: "int", default: "1", min: 0, max: 1000, description: "blocks to wait" },
  ANCHOR_INTERVAL_MS: {
    kind: "int",
    default: "5000",
    min: 10,
    description: "longest time a pending document waits for its batch",
  },
  ANCHOR_MAX_BATCH: {
    kind: "int",
    default: "100000",
    min: 1,
    max: 1_000_000,
    description: "documents per batch (per anchor transaction)",
  },
  TRUST_ANCHORS_DIR: {
    kind: "path",
    description: "folder of PEM root certificates (added to the demo root)",
  },
  TRUST_INTERMEDIATES_DIR: {
    kind: "path",
    description:
      "folder of intermediate CA certificates (PEM or DER: licensed CAs, the Government CA) used to complete a signer's path; never trusted by themselves",
  },
  AIA_FETCH: {
    kind: "choice",
    choices: ["on", "off"],
    default: "on",
    description:
      "fetch an issuer certificate missing from the signature and TRUST_INTERMEDIATES_DIR through the certificate's AIA caIssuers URL (once; cached under DATA_DIR/aia-cache)",
  },
  TSA_TRUST_DIR: {
    kind: "path",
    description:
      "folder of PEM/DER root and intermediate certificates of the timestamp authorities (TSAs) whose RFC 3161 signature timestamps are trusted; unset = timestamps are checked but their time is not used",
  },
  REQUIRE_TIMESTAMP: {
    kind: "choice",
    choices: ["false", "true"],
    default: "false",
    description:
      "true = refuse a submission unless every signer carries a trusted signature timestamp (`hocba sign --tsa`); needs TSA_TRUST_DIR",
  },
  PDF_SEAL_P12: {
    kind: "path",
    description:
      "the operator's certificate and key (.p12) that seal the printable PDFs (PAdES); unset = the demo seal when DEMO is on, else PDFs are served unsealed (said in the start-up log)",
  },
  PDF_SEAL_PASSWORD: {
    kind: "string",
    secret: true,
    description: "password of PDF_SEAL_P12",
  },
  PDF_SEAL_TSA_URL: {
    kind: "url",
    description:
      "an RFC 3161 timestamp authority (http/https) whose signature timestamp every printable PDF's seal carries (PAdES B-T); when it gives none within 10 s the PDF is refused with 503 PDF_TIMESTAMP_UNAVAILABLE, never sealed without it; unset = B-B (no timestamp)",
  },
  REQUIRED_SIGNER_ROLES: {
    kind: "list",
    default: "principal",
    description:
      "signer roles a school's transcripts must carry together unless the school has its own (comma-separated lowercase words: principal, homeroom, organisation…)",
  },
  CERT_STATUS: {
    kind: "choice",
    choices: ["off", "prefer", "require"],
    default: "prefer",
    description:
      "certificate status (OCSP, else CRL) of the signers' paths on submission and registration: off; prefer (revoked = refused, no answer = accepted without evidence); require (no answer = refused)",
  },
  CERT_STATUS_TIMEOUT_MS: {
    kind: "int",
    default: "5000",
    min: 100,
    max: 60000,
    description: "time limit of one OCSP request or CRL download",
  },
  CERT_STATUS_MAX_AGE_S: {
    kind: "int",
    default: "3600",
    min: 0,
    description:
      "longest a certificate's status answer is reused for further documents (also bounded by its nextUpdate)",
  },
  ADMIN_TOKEN: {
    kind: "string",
    secret: true,
    description: "admin bearer token; unset = generated into DATA_DIR/demo/admin.token",
  },
  BODY_LIMIT_BYTES: {
    kind: "int",
    default: "8388608",
    min: 1024,
    description:
      "largest request body (bytes) of the routes that authenticate before reading it (submit, batch, graduates and class workbook imports, administration); a batch of 1,000 transcripts is ~5 MB",
  },
  PUBLIC_BODY_LIMIT_BYTES: {
    kind: "int",
    default: "65536",
    min: 1024,
    description:
      "largest request body (bytes) of the public routes (POST /api/v1/verify: a credential is ~7 KB) and of any unknown route",
  },
  VERIFY_BATCH_BODY_LIMIT_BYTES: {
    kind: "int",
    default: "8388608",
    min: 1024,
    description: "largest request body (bytes) of POST /api/v1/verify/batch (1,000 credentials are ~7 MB)",
  },
  IMPORT_MAX_UNCOMPRESSED_BYTES: {
    kind: "int",
    default: "52428800",
    min: 65536,
    description:
      "graduates and class workbook imports: largest XLSX when uncompressed (bytes), checked from the ZIP directory before anything is inflated",
  },
  IMPORT_MAX_CELLS: {
    kind: "int",
    default: "500000",
    min: 100,
    description: "graduates and class workbook imports: most cells in an XLSX (all its sheets) or a CSV file",
  },
  LOOKUP_RATE_MAX: {
    kind: "int",
    default: "30",
    min: 1,
    description:
      "graduate searches by name and date of birth per client address (IPv6: per /64) and window; no API key lifts it",
  },
  LOOKUP_SERIAL_RATE_MAX: {
    kind: "int",
    default: "10",
    min: 1,
    description:
      "graduate searches by diploma serial per client address and window, counted apart from LOOKUP_RATE_MAX; no API key lifts it",
  },
  LOOKUP_RATE_WINDOW_MS: { kind: "int", default: "600000", min: 1000, description: "search window" },
  VERIFY_RATE_MAX: {
    kind: "int",
    default: "600",
    min: 1,
    description:
      "credentials verified per client address and window by anonymous callers (a batch of 500 counts 500); any API key lifts it",
  },
  VERIFY_RATE_WINDOW_MS: { kind: "int", default: "60000", min: 1000, description: "verify window" },
  PUBLIC_READ_RATE_MAX: {
    kind: "int",
    default: "600",
    min: 1,
    description:
      "reads per client address and minute of the public routes a page's in-browser verification asks (trust anchors, chain, revocations, supersession; about four per file)",
  },
  OIDC_ISSUER_URL: {
    kind: "url",
    description:
      "staff sign-in: the OpenID Provider (the sector's SSO) whose discovery document is at <url>/.well-known/openid-configuration; unset = the embedded provider at /idp with the demo staff (DEMO on), else staff sign-in is off",
  },
  OIDC_CLIENT_ID: {
    kind: "string",
    description: "staff sign-in: hocba's client id at OIDC_ISSUER_URL (required with it)",
  },
  OIDC_CLIENT_SECRET: {
    kind: "string",
    secret: true,
    description:
      "staff sign-in: hocba's client secret at OIDC_ISSUER_URL; unset = a public client (PKCE only)",
  },
  STAFF_SESSION_IDLE_MINUTES: {
    kind: "int",
    default: "30",
    min: 1,
    max: 1440,
    description: "a staff session ends after this many minutes without a request",
  },
  STAFF_SESSION_MAX_HOURS: {
    kind: "int",
    default: "12",
    min: 1,
    max: 168,
    description: "a staff session ends this many hours after sign-in, however active",
  },
  CITIZEN_OIDC_ISSUER_URL: {
    kind: "url",
    description:
      "citizen sign-in (/cua-toi): the national identity provider, discovery at <url>/.well-known/openid-configuration; unset = the embedded provider at /idp with the demo citizens (DEMO on), else citizen sign-in is off",
  },
  CITIZEN_OIDC_CLIENT_ID: {
    kind: "string",
    description: "citizen sign-in: hocba's client id at CITIZEN_OIDC_ISSUER_URL (required with it)",
  },
  CITIZEN_OIDC_CLIENT_SECRET: {
    kind: "string",
    secret: true,
    description:
      "citizen sign-in: hocba's client secret at CITIZEN_OIDC_ISSUER_URL; unset = a public client (PKCE only)",
  },
  CITIZEN_OIDC_SCOPE: {
    kind: "string",
    default: "openid profile citizen",
    description: "citizen sign-in: the scopes asked for (they must release CITIZEN_ID_CLAIM)",
  },
  CITIZEN_ID_CLAIM: {
    kind: "string",
    default: "citizen_id",
    description:
      "citizen sign-in: the ID token or UserInfo claim carrying the person's 12-digit citizen ID (CCCD)",
  },
  CITIZEN_GUARDIAN_CLAIM: {
    kind: "string",
    default: "guardian_of",
    description:
      "citizen sign-in: the claim listing the 12-digit citizen IDs of the children the person is the legal guardian of (their records are shown too); absent = none",
  },
  SHARE_MAX_DAYS: {
    kind: "int",
    default: "365",
    min: 1,
    max: 3650,
    description: "longest expiry, in days, of a share link a citizen makes (default expiry 30 days)",
  },
  LOG_LEVEL: {
    kind: "choice",
    choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    default: "info",
    description: "fatal, error, warn, info, debug, trace, silent",
  },
  DEMO: {
    kind: "choice",
    choices: ["auto", "on", "off"],
    default: "auto",
    description:
      "demo trust root, DEMO01/DEMOQ1/DEMOSO and their keys under DATA_DIR/demo: auto (when the chain is embedded), on, off",
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

type ValueOf<S extends Setting> = S extends { kind: "choice"; choices: readonly (infer C)[] }
  ? C
  : S["kind"] extends "int"
    ? number
    : S["kind"] extends "list"
      ? string[]
      : string;
type Value<N extends SettingName> = (typeof SETTINGS)[N] extends { default: string }
  ? ValueOf<(typeof SETTINGS)[N]>
  : ValueOf<(typeof SETTINGS)[N]> | undefined;

export type Config = { readonly [N in SettingName]: Value<N> };

export interface ConfigProblem {
  name: SettingName;
  message: string;
}

function parse(name: SettingName, raw: string, setting: Setting, baseDir: string): unknown {
  switch (setting.kind) {
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw new Error(`must be a whole number, got "${raw}"`);
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) throw new Error(`must be at least ${setting.min}`);
      if (setting.max !== undefined && n > setting.max) throw new Error(`must be at most ${setting.max}`);
      return n;
    }
    case "url":
      try {
        new URL(raw);
      } catch {
        throw new Error(
          `must be a URL, got "${name.endsWith("_URL") && raw.includes("@") ? "<redacted>" : raw}"`,
        );
      }
      return raw;
    case "list":
      return raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    case "path":
      return path.resolve(baseDir, raw);
    case "choice": {
      const choices = setting.choices ?? [];
      if (!choices.includes(raw))
        throw new Error(`must be ${choices.slice(0, -1).join(", ")} or ${choices.at(-1) ?? ""}`);
      return raw;
    }
    case "string":
      return raw;
  }
}

/**
 * Validates `env` against SETTINGS. Empty strings count as unset. Relative paths resolve against
 * `baseDir` (the working directory by default).
 *
 * @example
 * const config = loadConfig(process.env);          // in an entry point only
 * const test = loadConfig({ PORT: "0", DATA_DIR: tmp });
 */
export function loadConfig(env: Record<string, string | undefined>, baseDir = "."): Config {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    const given = env[name];
    const raw = given === undefined || given === "" ? setting.default : given;
    if (raw === undefined) {
      values[name] = undefined;
      continue;
    }
    try {
      values[name] = parse(name, raw, setting, baseDir);
    } catch (error) {
      problems.push({ name, message: (error as Error).message });
    }
  }
  if (values.ANCHOR_KEY !== undefined && values.ANCHOR_KEY_FILE !== undefined) {
    problems.push({ name: "ANCHOR_KEY_FILE", message: "set ANCHOR_KEY or ANCHOR_KEY_FILE, not both" });
  }
  if (typeof values.ANCHOR_KEY === "string" && !/^(0x)?[0-9a-fA-F]{64}$/.test(values.ANCHOR_KEY)) {
    problems.push({ name: "ANCHOR_KEY", message: "must be a 32-byte hex private key" });
  }
  if (typeof values.REGISTRY_ADDRESS === "string" && !matches(ADDRESS_PATTERN, values.REGISTRY_ADDRESS)) {
    problems.push({ name: "REGISTRY_ADDRESS", message: "must be a 0x-prefixed 20-byte address" });
  }
  if (values.REGISTRY_ADDRESS !== undefined && values.CHAIN_RPC_URL === undefined) {
    problems.push({
      name: "REGISTRY_ADDRESS",
      message: "needs CHAIN_RPC_URL (the embedded chain deploys its own)",
    });
  }
  if (values.OIDC_ISSUER_URL !== undefined && values.OIDC_CLIENT_ID === undefined) {
    problems.push({ name: "OIDC_CLIENT_ID", message: "is required with OIDC_ISSUER_URL" });
  }
  if (values.CITIZEN_OIDC_ISSUER_URL !== undefined && values.CITIZEN_OIDC_CLIENT_ID === undefined) {
    problems.push({ name: "CITIZEN_OIDC_CLIENT_ID", message: "is required with CITIZEN_OIDC_ISSUER_URL" });
  }
  if ((values.HTTP_PROCESSES as number) > 1) {
    const missing = (["DATABASE_URL", "CHAIN_RPC_URL", "REDIS_URL"] as const).filter(
      (name) => values[name] === undefined,
    );
    if (missing.length > 0) {
      problems.push({
        name: "HTTP_PROCESSES",
        message: `above 1 needs ${missing.join(", ")}: the embedded database, chain and job runner belong to one process`,
      });
    }
  }
  if (values.REQUIRE_TIMESTAMP === "true" && values.TSA_TRUST_DIR === undefined) {
    problems.push({
      name: "REQUIRE_TIMESTAMP",
      message: "needs TSA_TRUST_DIR: a required timestamp must come from a trusted TSA",
    });
  }
  if (typeof values.PDF_SEAL_TSA_URL === "string" && !/^https?:\/\//i.test(values.PDF_SEAL_TSA_URL)) {
    problems.push({ name: "PDF_SEAL_TSA_URL", message: "must be an http:// or https:// URL" });
  }
  try {
    trustProxyOption(values.TRUST_PROXY as string | undefined);
  } catch (error) {
    problems.push({ name: "TRUST_PROXY", message: (error as Error).message });
  }
  if (problems.length > 0) {
    throw new HocbaError(
      "CONFIG_INVALID",
      `invalid configuration: ${problems.map((p) => `${p.name} ${p.message}`).join("; ")}`,
      { details: problems },
    );
  }
  return Object.freeze(values) as Config;
}

/** Names proxy-addr (Fastify's trustProxy) gives to groups of addresses. */
const PROXY_GROUPS = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * Fastify's `trustProxy` from TRUST_PROXY: undefined (trust no proxy) when unset, else the list of
 * proxy addresses/CIDRs whose X-Forwarded-For is believed. Refused: `true` (any sender of the
 * header would choose the address it is counted by) and a hop count (it cannot check that a
 * request came through the proxy at all; Fastify 5 therefore trusts nothing with one).
 *
 * @example
 * trustProxyOption("10.0.0.0/8, 2001:db8::1") // ["10.0.0.0/8", "2001:db8::1"]
 */
export function trustProxyOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const name = "list the proxies' addresses or CIDRs (e.g. 10.0.0.0/8, 2001:db8::1)";
  if (/^\d+$/.test(text)) throw new Error(`a hop count cannot tell a proxy from a client: ${name}`);
  if (/^(true|yes|on|\*)$/i.test(text))
    throw new Error(
      `trusting every sender of X-Forwarded-For would let any client choose the address it is counted by: ${name}`,
    );
  const entries = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) throw new Error(name);
  for (const entry of entries) {
    if (PROXY_GROUPS.has(entry)) continue;
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))
    )
      throw new Error(`"${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)`);
  }
  return entries;
}

/** The configuration as a Markdown table (README), from the same declarations. */
export function configurationTable(): string {
  const rows = (Object.entries(SETTINGS) as [SettingName, Setting][]).map(
    ([name, s]) =>
      `| \`${name}\` | ${s.default === undefined ? "—" : `\`${s.default}\``} | ${s.description} |`,
  );
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** A copy of the config safe to log: secrets replaced. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    (Object.entries(SETTINGS) as [SettingName, Setting][]).map(([name, s]) => [
      name,
      s.secret && config[name] !== undefined ? "<redacted>" : config[name],
    ]),
  );
}
