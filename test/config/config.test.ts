import path from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  configurationTable,
  loadConfig,
  redactConfig,
  SETTINGS,
  trustProxyOption,
} from "../../service/src/config/config";
import { HocbaError } from "../../service/src/core/errors";

function problemsOf(env: Record<string, string>): unknown {
  try {
    loadConfig(env, "/srv/hocba");
  } catch (error) {
    expect(error).toBeInstanceOf(HocbaError);
    return { code: (error as HocbaError).code, details: (error as HocbaError).details };
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("gives the embedded defaults when nothing is set", () => {
    expect(loadConfig({}, "/srv/hocba")).toEqual({
      HOST: "127.0.0.1",
      PORT: 8080,
      HTTP_PROCESSES: 1,
      TRUST_PROXY: undefined,
      DATA_DIR: "/srv/hocba/data",
      DATABASE_URL: undefined,
      DATABASE_POOL_SIZE: 10,
      REDIS_URL: undefined,
      REDIS_PREFIX: "hocba",
      CHAIN_RPC_URL: undefined,
      CHAIN_STATE_INTERVAL_S: 1,
      CHAIN_ID: undefined,
      REGISTRY_ADDRESS: undefined,
      ANCHOR_KEY: undefined,
      ANCHOR_KEY_FILE: undefined,
      CHAIN_CONFIRMATIONS: 1,
      ANCHOR_INTERVAL_MS: 5000,
      ANCHOR_MAX_BATCH: 100000,
      TRUST_ANCHORS_DIR: undefined,
      TRUST_INTERMEDIATES_DIR: undefined,
      AIA_FETCH: "on",
      TSA_TRUST_DIR: undefined,
      REQUIRE_TIMESTAMP: "false",
      REQUIRED_SIGNER_ROLES: ["principal"],
      STAFF_SESSION_IDLE_MINUTES: 30,
      STAFF_SESSION_MAX_HOURS: 12,
      CITIZEN_OIDC_ISSUER_URL: undefined,
      CITIZEN_OIDC_CLIENT_ID: undefined,
      CITIZEN_OIDC_CLIENT_SECRET: undefined,
      CITIZEN_OIDC_SCOPE: "openid profile citizen",
      CITIZEN_ID_CLAIM: "citizen_id",
      CITIZEN_GUARDIAN_CLAIM: "guardian_of",
      SHARE_MAX_DAYS: 365,
      ADMIN_TOKEN: undefined,
      BODY_LIMIT_BYTES: 8388608,
      CERT_STATUS: "prefer",
      CERT_STATUS_MAX_AGE_S: 3600,
      CERT_STATUS_TIMEOUT_MS: 5000,
      PUBLIC_BODY_LIMIT_BYTES: 65536,
      VERIFY_BATCH_BODY_LIMIT_BYTES: 8388608,
      IMPORT_MAX_UNCOMPRESSED_BYTES: 52428800,
      IMPORT_MAX_CELLS: 500000,
      LOOKUP_RATE_MAX: 30,
      LOOKUP_SERIAL_RATE_MAX: 10,
      LOOKUP_RATE_WINDOW_MS: 600000,
      VERIFY_RATE_MAX: 600,
      VERIFY_RATE_WINDOW_MS: 60000,
      PUBLIC_READ_RATE_MAX: 600,
      LOG_LEVEL: "info",
      DEMO: "auto",
    });
  });

  it("reads production settings, resolving paths and splitting lists", () => {
    const config = loadConfig(
      {
        DATABASE_URL: "postgres://hocba@db:5432/hocba",
        REDIS_URL: "redis://cache:6379",
        CHAIN_RPC_URL: "http://besu-1:8545",
        REGISTRY_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        ANCHOR_KEY_FILE: "secrets/anchor.key",
        TRUST_ANCHORS_DIR: "/etc/hocba/roots",
        REQUIRED_SIGNER_ROLES: "principal, homeroom",
        PORT: "3000",
      },
      "/srv/hocba",
    );
    expect([
      config.DATABASE_URL,
      config.ANCHOR_KEY_FILE,
      config.TRUST_ANCHORS_DIR,
      config.REQUIRED_SIGNER_ROLES,
      config.PORT,
    ]).toEqual([
      "postgres://hocba@db:5432/hocba",
      path.join("/srv/hocba", "secrets/anchor.key"),
      "/etc/hocba/roots",
      ["principal", "homeroom"],
      3000,
    ]);
  });

  it("reads TRUST_PROXY as a list of proxy addresses and CIDRs, and refuses `true`, a hop count or a non-address", () => {
    expect(
      trustProxyOption(loadConfig({ TRUST_PROXY: " 10.0.0.0/8, 2001:db8::1,loopback " }).TRUST_PROXY),
    ).toEqual(["10.0.0.0/8", "2001:db8::1", "loopback"]);
    expect(trustProxyOption(loadConfig({}).TRUST_PROXY)).toBeUndefined();
    const name = "list the proxies' addresses or CIDRs (e.g. 10.0.0.0/8, 2001:db8::1)";
    const refused = (value: string) =>
      (problemsOf({ TRUST_PROXY: value }) as { details: { message: string }[] }).details.map(
        (d) => d.message,
      );
    expect([
      refused("true"),
      refused("1"),
      refused("proxy.internal"),
      refused("10.0.0.0/33"),
      refused("2001:db8::/129"),
      refused(" , "),
    ]).toEqual([
      [
        `trusting every sender of X-Forwarded-For would let any client choose the address it is counted by: ${name}`,
      ],
      [`a hop count cannot tell a proxy from a client: ${name}`],
      ['"proxy.internal" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)'],
      ['"10.0.0.0/33" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)'],
      ['"2001:db8::/129" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)'],
      [name],
    ]);
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" }, "/srv/hocba")).toMatchObject({
      PORT: 8080,
      DATABASE_URL: undefined,
    });
  });

  it("reports every bad value at once with CONFIG_INVALID", () => {
    expect(
      problemsOf({
        PORT: "80a",
        ANCHOR_MAX_BATCH: "0",
        CHAIN_CONFIRMATIONS: "1001",
        DATABASE_URL: "not a url",
        ANCHOR_KEY: "0x1234",
        REGISTRY_ADDRESS: "0x12",
        DEMO: "maybe",
        LOG_LEVEL: "loud",
      }),
    ).toEqual({
      code: "CONFIG_INVALID",
      details: [
        { name: "PORT", message: 'must be a whole number, got "80a"' },
        { name: "DATABASE_URL", message: 'must be a URL, got "not a url"' },
        { name: "CHAIN_CONFIRMATIONS", message: "must be at most 1000" },
        { name: "ANCHOR_MAX_BATCH", message: "must be at least 1" },
        { name: "LOG_LEVEL", message: "must be fatal, error, warn, info, debug, trace or silent" },
        { name: "DEMO", message: "must be auto, on or off" },
        { name: "ANCHOR_KEY", message: "must be a 32-byte hex private key" },
        { name: "REGISTRY_ADDRESS", message: "must be a 0x-prefixed 20-byte address" },
        { name: "REGISTRY_ADDRESS", message: "needs CHAIN_RPC_URL (the embedded chain deploys its own)" },
      ],
    });
  });

  it("types the settings that take one of a few values as the union of those values", () => {
    const config = loadConfig({ DEMO: "off", LOG_LEVEL: "debug" });
    expectTypeOf(config.DEMO).toEqualTypeOf<"auto" | "on" | "off">();
    expectTypeOf(config.LOG_LEVEL).toEqualTypeOf<
      "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"
    >();
    expect([config.DEMO, config.LOG_LEVEL, SETTINGS.DEMO.choices, SETTINGS.LOG_LEVEL.choices]).toEqual([
      "off",
      "debug",
      ["auto", "on", "off"],
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    ]);
  });

  it("runs several HTTP processes only on production parts, which they can share", () => {
    const production = {
      DATABASE_URL: "postgres://hocba@db:5432/hocba",
      REDIS_URL: "redis://cache:6379",
      CHAIN_RPC_URL: "http://besu-1:8545",
    };
    expect(loadConfig({ ...production, HTTP_PROCESSES: "4" }).HTTP_PROCESSES).toBe(4);
    expect([
      problemsOf({ HTTP_PROCESSES: "2" }),
      problemsOf({ ...production, REDIS_URL: "", HTTP_PROCESSES: "2" }),
      problemsOf({ ...production, HTTP_PROCESSES: "0" }),
      problemsOf({ ...production, HTTP_PROCESSES: "65" }),
    ]).toEqual([
      {
        code: "CONFIG_INVALID",
        details: [
          {
            name: "HTTP_PROCESSES",
            message:
              "above 1 needs DATABASE_URL, CHAIN_RPC_URL, REDIS_URL: the embedded database, chain and job runner belong to one process",
          },
        ],
      },
      {
        code: "CONFIG_INVALID",
        details: [
          {
            name: "HTTP_PROCESSES",
            message:
              "above 1 needs REDIS_URL: the embedded database, chain and job runner belong to one process",
          },
        ],
      },
      { code: "CONFIG_INVALID", details: [{ name: "HTTP_PROCESSES", message: "must be at least 1" }] },
      { code: "CONFIG_INVALID", details: [{ name: "HTTP_PROCESSES", message: "must be at most 64" }] },
    ]);
  });

  it("refuses both an anchor key and an anchor key file", () => {
    expect(problemsOf({ ANCHOR_KEY: "ab".repeat(32), ANCHOR_KEY_FILE: "k" })).toEqual({
      code: "CONFIG_INVALID",
      details: [{ name: "ANCHOR_KEY_FILE", message: "set ANCHOR_KEY or ANCHOR_KEY_FILE, not both" }],
    });
  });

  it("takes an http(s) timestamp authority for the PDF seal (PDF_SEAL_TSA_URL) and refuses any other URL", () => {
    expect([
      problemsOf({ PDF_SEAL_TSA_URL: "ftp://tsa.example.vn/tsr" }),
      problemsOf({ PDF_SEAL_TSA_URL: "not a url" }),
      loadConfig({ PDF_SEAL_TSA_URL: "https://tsa.example.vn/tsr" }).PDF_SEAL_TSA_URL,
    ]).toEqual([
      {
        code: "CONFIG_INVALID",
        details: [{ name: "PDF_SEAL_TSA_URL", message: "must be an http:// or https:// URL" }],
      },
      {
        code: "CONFIG_INVALID",
        details: [{ name: "PDF_SEAL_TSA_URL", message: 'must be a URL, got "not a url"' }],
      },
      "https://tsa.example.vn/tsr",
    ]);
  });

  it("requires a timestamp only from trusted TSAs: REQUIRE_TIMESTAMP=true needs TSA_TRUST_DIR", () => {
    expect([
      problemsOf({ REQUIRE_TIMESTAMP: "true" }),
      problemsOf({ REQUIRE_TIMESTAMP: "yes" }),
      loadConfig({ REQUIRE_TIMESTAMP: "true", TSA_TRUST_DIR: "tsa" }, "/srv/hocba"),
    ]).toEqual([
      {
        code: "CONFIG_INVALID",
        details: [
          {
            name: "REQUIRE_TIMESTAMP",
            message: "needs TSA_TRUST_DIR: a required timestamp must come from a trusted TSA",
          },
        ],
      },
      { code: "CONFIG_INVALID", details: [{ name: "REQUIRE_TIMESTAMP", message: "must be false or true" }] },
      expect.objectContaining({
        REQUIRE_TIMESTAMP: "true",
        TSA_TRUST_DIR: path.join("/srv/hocba", "tsa"),
      }) as unknown,
    ]);
  });

  it("does not echo a connection string that may hold a password", () => {
    expect(problemsOf({ REDIS_URL: "redis://:s3cret@" })).toEqual({
      code: "CONFIG_INVALID",
      details: [{ name: "REDIS_URL", message: 'must be a URL, got "<redacted>"' }],
    });
  });
});

describe("redactConfig", () => {
  it("hides secrets and keeps everything else", () => {
    const redacted = redactConfig(
      loadConfig(
        { ADMIN_TOKEN: "t0ken", DATABASE_URL: "postgres://u:p@h/d", ANCHOR_KEY: "ab".repeat(32) },
        "/x",
      ),
    );
    expect([
      redacted.ADMIN_TOKEN,
      redacted.DATABASE_URL,
      redacted.ANCHOR_KEY,
      redacted.REDIS_URL,
      redacted.PORT,
    ]).toEqual(["<redacted>", "<redacted>", "<redacted>", undefined, 8080]);
  });
});

describe("configurationTable", () => {
  it("lists every setting once, with its default", () => {
    const lines = configurationTable().split("\n");
    expect(lines.length).toBe(2 + Object.keys(SETTINGS).length);
    expect(lines).toContain("| `PORT` | `8080` | HTTP port |");
  });
});
