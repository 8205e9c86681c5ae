import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { authenticateApiKey } from "../../service/src/auth/api-keys";
import { registerIssuerCommand } from "../../service/src/cli/commands/register-issuer";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { closedPortUrl, startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { fingerprintOf, makeSchoolPki } from "../helpers/pki";

const tmp = tempDir("register-issuer");
let api: ListeningApp;
let files: { principal: string; homeroom: string; untrusted: string; token: string };
let env: Record<string, string>;
let closedUrl: string;

beforeAll(async () => {
  api = await startListeningApp("register-issuer-api");
  const { pki } = api;
  const outsider = await makeSchoolPki();
  files = {
    principal: tmp.write("principal.pem", pki.principal.certificatePem + pki.intermediate.certificatePem),
    homeroom: tmp.write("homeroom.pem", pki.homeroom.certificatePem + pki.intermediate.certificatePem),
    untrusted: tmp.write(
      "untrusted.pem",
      outsider.principal.certificatePem + outsider.intermediate.certificatePem,
    ),
    token: tmp.write("admin.token", api.adminToken + "\n"),
  };
  closedUrl = await closedPortUrl();
  env = { HOCBA_API_URL: api.url, HOCBA_ADMIN_TOKEN: api.adminToken };
}, 240_000);
afterAll(async () => {
  await api.dispose();
  tmp.dispose();
});

const subject = (der: Uint8Array) => certificateInfo(der, nodeCrypto, "SIGNATURE_MALFORMED").subject;
const KEY_LINE = /^API key \(shown once, store it now\): (\S+)\n$/;

function args(code: string, ...more: string[]): string[] {
  return [
    "--kind",
    "school",
    "--code",
    code,
    "--name",
    "Trường THCS Lê Lợi",
    "--cert",
    files.principal,
    ...more,
  ];
}

describe("hocba register-issuer", () => {
  it("registers a school with two certificates and roles, printing the issuer and its API key once", async () => {
    const io = captureIo(env);
    const code = await registerIssuerCommand(
      [...args("79000801", "--cert", files.homeroom), "--role", "principal", "--role", "homeroom"],
      io,
    );
    expect(code).toBe(0);
    const lines = io.out;
    expect(lines.slice(0, 4)).toEqual([
      'registered school 79000801 "Trường THCS Lê Lợi"\n',
      `certificate ${fingerprintOf(api.pki.principal)} principal ${subject(api.pki.principal.certificate)}\n`,
      `certificate ${fingerprintOf(api.pki.homeroom)} homeroom ${subject(api.pki.homeroom.certificate)}\n`,
      "required roles: the service default (REQUIRED_SIGNER_ROLES)\n",
    ]);
    expect(lines).toHaveLength(5);
    const key = KEY_LINE.exec(lines[4]!)![1]!;
    expect(await authenticateApiKey(api.db, key)).toEqual({
      keyId: expect.any(String) as unknown,
      kind: "issuer",
      issuerCode: "79000801",
      issuerKind: "school",
    });
  });

  it("registers with the signer's DER certificate alone when the service knows its CA, and the roles its documents require", async () => {
    // The service completes the path from its intermediates (TRUST_INTERMEDIATES_DIR in production).
    api.pki.store.intermediates.add(
      certificateInfo(api.pki.intermediate.certificate, nodeCrypto, "CONFIG_INVALID"),
    );
    const der = tmp.write("principal.cer", api.pki.principal.certificate);
    const io = captureIo(env);
    const argv = [...args("79000806"), "--require-roles", "principal,organisation"];
    argv[argv.indexOf(files.principal)] = der;
    expect(await registerIssuerCommand(argv, io)).toBe(0);
    expect(io.out.slice(0, 3)).toEqual([
      'registered school 79000806 "Trường THCS Lê Lợi"\n',
      `certificate ${fingerprintOf(api.pki.principal)} principal ${subject(api.pki.principal.certificate)}\n`,
      "required roles: principal, organisation\n",
    ]);
    const { rows } = await api.db.query("SELECT required_roles FROM issuers WHERE code = '79000806'");
    expect(rows).toEqual([{ required_roles: ["principal", "organisation"] }]);
  });

  it("takes the admin token from a file and one --role for every certificate", async () => {
    const io = captureIo({ HOCBA_API_URL: api.url });
    expect(
      await registerIssuerCommand(
        [...args("79000802"), "--kind", "district", "--admin-token-file", files.token, "--role", "homeroom"],
        io,
      ),
    ).toBe(0);
    expect(io.out.slice(0, 2)).toEqual([
      'registered district 79000802 "Trường THCS Lê Lợi"\n',
      `certificate ${fingerprintOf(api.pki.principal)} homeroom ${subject(api.pki.principal.certificate)}\n`,
    ]);
  });

  it("registers a department with its former districts, and a later district office with its department", async () => {
    const district = captureIo(env);
    const department = captureIo(env);
    const later = captureIo(env);
    const results = [
      await registerIssuerCommand([...args("PGD0901"), "--kind", "district"], district),
      await registerIssuerCommand(
        [...args("SO0901"), "--kind", "department", "--district", "PGD0901"],
        department,
      ),
      await registerIssuerCommand(
        [...args("PGD0902"), "--kind", "district", "--department", "SO0901"],
        later,
      ),
    ];
    const { rows } = await api.db.query(
      "SELECT code, kind, department_code FROM issuers WHERE code IN ('PGD0901', 'PGD0902', 'SO0901') ORDER BY code",
    );
    expect({ results, department: department.out.slice(0, 2), later: later.out.slice(0, 2), rows }).toEqual({
      results: [0, 0, 0],
      department: ['registered department SO0901 "Trường THCS Lê Lợi"\n', "former districts: PGD0901\n"],
      later: ['registered district PGD0902 "Trường THCS Lê Lợi"\n', "department: SO0901\n"],
      rows: [
        { code: "PGD0901", kind: "district", department_code: "SO0901" },
        { code: "PGD0902", kind: "district", department_code: "SO0901" },
        { code: "SO0901", kind: "department", department_code: null },
      ],
    });
    expect(
      await commandError(
        registerIssuerCommand([...args("79000809"), "--district", "PGD0901"], captureIo(env)),
      ),
    ).toMatchObject({
      code: "USAGE",
      message: expect.stringMatching(/^--district is for a department/) as unknown,
    });
  });

  it("fails with the code of each problem, local or from the API", async () => {
    await registerIssuerCommand(args("79000803"), captureIo(env));
    const cases: [string[], Record<string, string>, { code: string; message: RegExp }][] = [
      [
        ["--code", "79000804", "--name", "x", "--cert", files.principal],
        env,
        { code: "USAGE", message: /^--kind must be school, district or department/ },
      ],
      [
        args("79000804", "--role", "a", "--role", "b"),
        env,
        { code: "USAGE", message: /^give --role once, or once per --cert \(1\)/ },
      ],
      [
        args("79000804"),
        { HOCBA_API_URL: api.url },
        { code: "USAGE", message: /^no admin token: give --admin-token or set HOCBA_ADMIN_TOKEN/ },
      ],
      [
        args("79000804", "--api", "ftp://x"),
        env,
        { code: "USAGE", message: /^the API URL must be http\(s\): ftp:\/\/x$/ },
      ],
      [
        args("79000804", "--cert", tmp.path("missing.pem")),
        env,
        { code: "IO", message: /^cannot read certificate .*missing\.pem: no such file$/ },
      ],
      [
        args("79000804", "--admin-token", "wrong"),
        env,
        { code: "UNAUTHORIZED", message: /^invalid or revoked credentials$/ },
      ],
      [args("79000803"), env, { code: "CONFLICT", message: /^issuer 79000803 is already registered$/ }],
      [
        ["--kind", "school", "--code", "79000804", "--name", "x", "--cert", files.untrusted],
        env,
        { code: "CERT_UNTRUSTED", message: /^certificate 1: no path from/ },
      ],
      [args("79-04"), env, { code: "SCHEMA_INVALID", message: /^the request does not match the schema$/ }],
      [
        args("79000804", "--require-roles", " , "),
        env,
        { code: "USAGE", message: /^give at least one role, e.g. principal,organisation/ },
      ],
      [
        args("79000804", "--require-roles", "Principal"),
        env,
        { code: "SCHEMA_INVALID", message: /^the request does not match the schema$/ },
      ],
      [
        args("79000804", "--api", closedUrl),
        env,
        {
          code: "API_UNAVAILABLE",
          message:
            /^cannot reach the hocba API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is `hocba serve` running\? set HOCBA_API_URL or --api\)$/,
        },
      ],
    ];
    for (const [argv, environment, expected] of cases) {
      const error = await commandError(registerIssuerCommand(argv, captureIo(environment)));
      expect({ argv, ...error }).toEqual({
        argv,
        code: expected.code,
        message: expect.stringMatching(expected.message) as unknown,
      });
    }
  });

  it("runs as a real process: exit 0 with the key, and the exit code of CONFLICT with the message", async () => {
    const ok = await runCli(["register-issuer", ...args("79000805")], env);
    expect({ code: ok.code, stderr: ok.stderr, last: ok.stdout.split("\n").at(-2) }).toEqual({
      code: 0,
      stderr: "",
      last: expect.stringMatching(/^API key \(shown once, store it now\): \S+$/) as unknown,
    });
    const again = await runCli(["register-issuer", ...args("79000805")], env);
    expect(again).toEqual({
      code: exitCodeFor("CONFLICT"),
      stdout: "",
      stderr: "hocba register-issuer: CONFLICT: issuer 79000805 is already registered\n",
    });
  }, 30_000);
});
