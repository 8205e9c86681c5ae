import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { apiBaseUrl } from "../../service/src/cli/api-client";
import { issuerCommand } from "../../service/src/cli/commands/issuer";
import { registerIssuerCommand } from "../../service/src/cli/commands/register-issuer";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { closedPortUrl, startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { fingerprintOf } from "../helpers/pki";

const tmp = tempDir("issuer-cli");
const CODE = "79000901";
let api: ListeningApp;
let files: { principal: string; homeroom: string; token: string };
let closedUrl: string;

beforeAll(async () => {
  api = await startListeningApp("issuer-cli-api");
  const { pki } = api;
  files = {
    principal: tmp.write("principal.pem", pki.principal.certificatePem + pki.intermediate.certificatePem),
    homeroom: tmp.write("homeroom.pem", pki.homeroom.certificatePem + pki.intermediate.certificatePem),
    token: tmp.write("admin.token", api.adminToken + "\n"),
  };
  closedUrl = await closedPortUrl();
  const registered = await registerIssuerCommand(
    ["--kind", "school", "--code", CODE, "--name", "Trường THCS Lê Lợi", "--cert", files.principal],
    captureIo({ HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: api.adminToken }),
  );
  expect(registered).toBe(0);
}, 60_000);
afterAll(async () => {
  await api.dispose();
  tmp.dispose();
});

const subject = (der: Uint8Array) => certificateInfo(der, nodeCrypto, "SIGNATURE_MALFORMED").subject;

describe("hocba issuer", () => {
  it("adds a co-signer's certificate with its role, then removes it, printing the active certificates", async () => {
    // The token from a file (as data/demo/admin.token), the API from HOCBA_API_URL.
    const added = captureIo({ HOCBA_API_URL: api.url });
    const addCode = await issuerCommand(
      [
        "add-certificate",
        CODE,
        "--cert",
        files.homeroom,
        "--role",
        "homeroom",
        "--admin-token-file",
        files.token,
      ],
      added,
    );
    // The token from ADMIN_TOKEN, the server's own setting.
    const removed = captureIo({ HOCBA_API_URL: api.url, ADMIN_TOKEN: api.adminToken });
    const removeCode = await issuerCommand(
      [
        "remove-certificate",
        CODE,
        "--fingerprint",
        fingerprintOf(api.pki.homeroom).toUpperCase().replace("0X", "0x"),
      ],
      removed,
    );
    const principal = `certificate ${fingerprintOf(api.pki.principal)} principal ${subject(api.pki.principal.certificate)}\n`;
    expect([addCode, added.out, removeCode, removed.out]).toEqual([
      0,
      [
        `added; active certificates of ${CODE}:\n`,
        principal,
        `certificate ${fingerprintOf(api.pki.homeroom)} homeroom ${subject(api.pki.homeroom.certificate)}\n`,
      ],
      0,
      [`removed; active certificates of ${CODE}:\n`, principal],
    ]);
  });

  it("sets the roles the issuer's documents require, then returns it to the default, audited", async () => {
    const env = { HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: api.adminToken };
    const set = captureIo(env);
    const back = captureIo(env);
    const codes = [
      await issuerCommand(["set-roles", CODE, "principal", "organisation"], set),
      await issuerCommand(["set-roles", CODE, "--default"], back),
    ];
    const { rows } = await api.db.query(
      "SELECT details FROM audit_log WHERE action = 'issuer.required_roles_changed' AND subject = $1 ORDER BY id",
      [CODE],
    );
    expect([codes, set.out, back.out, rows]).toEqual([
      [0, 0],
      [`required roles of ${CODE}: principal, organisation\n`],
      [`required roles of ${CODE}: the service default (REQUIRED_SIGNER_ROLES)\n`],
      [
        { details: { before: null, after: ["principal", "organisation"] } },
        { details: { before: ["principal", "organisation"], after: null } },
      ],
    ]);
  });

  it("refuses bad usage, an unknown issuer, a missing token and an unreachable API with their codes", async () => {
    const env = { HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: api.adminToken };
    const cases: [string[], Record<string, string>, string, RegExp][] = [
      [[], env, "USAGE", /^what to do is missing\n\nusage: hocba issuer/],
      [["rotate", CODE], env, "USAGE", /^unknown action "rotate"/],
      [["add-certificate"], env, "USAGE", /^the issuer code is missing/],
      [["add-certificate", CODE, "extra"], env, "USAGE", /^unexpected argument "extra"/],
      [["add-certificate", CODE], env, "USAGE", /^--cert is missing/],
      [["remove-certificate", CODE], env, "USAGE", /^--fingerprint is missing/],
      [["set-roles", CODE], env, "USAGE", /^give at least one role/],
      [["set-roles", CODE, "principal", "--default"], env, "USAGE", /^give roles or --default, not both/],
      [["set-roles", CODE, "--cert", files.homeroom], env, "USAGE", /^set-roles takes roles, or --default/],
      [["add-certificate", CODE, "--default"], env, "USAGE", /^--default is for set-roles/],
      [["set-roles", "79999999", "principal"], env, "NOT_FOUND", /^no issuer 79999999$/],
      [["set-roles", CODE, "Principal"], env, "SCHEMA_INVALID", /^the request does not match the schema$/],
      [
        ["remove-certificate", CODE, "--fingerprint", "0x00", "--role", "x"],
        env,
        "USAGE",
        /^--cert and --role/,
      ],
      [
        ["add-certificate", CODE, "--cert", files.homeroom, "--fingerprint", "0x00"],
        env,
        "USAGE",
        /^--fingerprint is for/,
      ],
      [
        ["add-certificate", CODE, "--cert", tmp.path("missing.pem")],
        env,
        "IO",
        /^cannot read certificate .*missing\.pem: no such file$/,
      ],
      [
        ["add-certificate", CODE, "--cert", files.homeroom],
        { HOCBA_API_URL: api.url },
        "USAGE",
        /^no admin token: give --admin-token or set HOCBA_ADMIN_TOKEN/,
      ],
      [["add-certificate", "79999999", "--cert", files.homeroom], env, "NOT_FOUND", /^no issuer 79999999$/],
      [
        ["add-certificate", CODE, "--cert", files.homeroom, "--role", "Hiệu trưởng"],
        env,
        "SCHEMA_INVALID",
        /^the request does not match the schema$/,
      ],
      [
        ["add-certificate", CODE, "--cert", files.homeroom, "--api", closedUrl],
        env,
        "API_UNAVAILABLE",
        /^cannot reach the hocba API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is `hocba serve` running\? set HOCBA_API_URL or --api\)$/,
      ],
    ];
    const answers = [];
    for (const [argv, environment] of cases)
      answers.push(await commandError(issuerCommand(argv, captureIo(environment))));
    expect(
      answers.map((answer, i) => [answer.code, cases[i]![3].test(answer.message) || answer.message]),
    ).toEqual(cases.map(([, , code]) => [code, true]));
  });

  it("exits with the API_UNAVAILABLE code, not the unreadable-file one, when the API is not running", async () => {
    const run = await runCli(["issuer", "add-certificate", CODE, "--cert", files.homeroom], {
      HOCBA_API_URL: closedUrl,
      HOCBA_ADMIN_TOKEN: "x",
    });
    expect([run.code, run.code === exitCodeFor("IO"), run.stderr.split(":")[1]?.trim()]).toEqual([
      51,
      false,
      "API_UNAVAILABLE",
    ]);
  });
});

describe("the API URL of CLI commands", () => {
  it("is --api, else HOCBA_API_URL, else this machine's $PORT, else port 8080", () => {
    const io = (env: Record<string, string>) => ({ ...captureIo(env) });
    expect([
      apiBaseUrl("http://api.example.vn/", io({ HOCBA_API_URL: "http://other", PORT: "9000" })),
      apiBaseUrl(undefined, io({ HOCBA_API_URL: "http://other:81", PORT: "9000" })),
      apiBaseUrl(undefined, io({ HOCBA_API_URL: "", PORT: "8150" })),
      apiBaseUrl(undefined, io({ PORT: "not-a-port" })),
      apiBaseUrl(undefined, io({})),
    ]).toEqual([
      "http://api.example.vn",
      "http://other:81",
      "http://127.0.0.1:8150",
      "http://127.0.0.1:8080",
      "http://127.0.0.1:8080",
    ]);
  });
});
