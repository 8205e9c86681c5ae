/**
 * Roles, including the school seal (issue 12 item 2): each registered certificate has a role
 * (principal, homeroom, organisation for the school's seal certificate…), each school may require
 * its own set of roles (set at registration or later, audited; null = REQUIRED_SIGNER_ROLES), and
 * a transcript whose authorized signers do not cover them is refused with the missing role named.
 * On PGlite and, when reachable (always under CI), PostgreSQL: the required_roles column is a
 * migration.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { signDetached } from "../../service/src/core/pki";
import { submitDocuments, type SubmissionDeps } from "../../service/src/issuance/documents";
import {
  getIssuer,
  issuerRoles,
  registerIssuer,
  setRequiredRoles,
  type RegisterIssuerInput,
} from "../../service/src/issuance/issuers";
import { schoolTranscript, TEST_SCHOOL } from "../helpers/credentials";
import { databaseBackends } from "../helpers/databases";
import { rejectionOf } from "../helpers/errors";
import { fingerprintOf, issue, makeSchoolPki, signerOf, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();

const errorOf = rejectionOf;

describe.each(backends)("roles of a school's signers ($name)", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let pki: SchoolPki;
  /** The school's organisation certificate: its seal, issued to the school itself. */
  let seal: IssuedCertificate;
  let deps: SubmissionDeps;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await migrate(db);
    pki = await makeSchoolPki();
    seal = await issue({
      subject: `CN=${TEST_SCHOOL.name}, O=${TEST_SCHOOL.name}, C=VN`,
      issuer: pki.intermediate,
      keyAlgorithm: "P-256",
    });
    deps = { db, trustAnchors: pki.store, crypto: nodeCrypto, requiredRoles: ["principal"] };
  }, 60_000);
  afterAll(() => dispose());
  beforeEach(() =>
    db.exec(
      "TRUNCATE issuers, issuer_certificates, issuer_certificate_changes, api_keys, audit_log, documents, batches CASCADE",
    ),
  );

  const withChain = (certificate: IssuedCertificate) =>
    certificate.certificatePem + pki.intermediate.certificatePem;
  const registerSchool = (extra: Partial<RegisterIssuerInput> = {}) =>
    registerIssuer(
      deps,
      {
        kind: "school",
        code: SCHOOL_CODE,
        name: TEST_SCHOOL.name,
        certificates: [
          { pem: withChain(pki.principal), role: "principal" },
          { pem: withChain(seal), role: "organisation" },
        ],
        requiredRoles: ["principal", "organisation"],
        ...extra,
      },
      "admin",
    );
  /** Submits a transcript signed by `signers` (each with the intermediate), as the school. */
  const submit = async (seed: number, signers: IssuedCertificate[]) => {
    const document = schoolTranscript(seed);
    const cms = await signDetached(
      canonicalBytes(document),
      signers.map((signer) => signerOf(signer, pki.intermediate)),
    );
    const [result] = await submitDocuments(deps, { issuerCode: SCHOOL_CODE, actor: "school" }, [
      { document, signature: Buffer.from(cms).toString("base64") },
    ]);
    return { document, result: result! };
  };

  it("registers a school that requires the principal and its seal, and says so when read back", async () => {
    const registered = await registerSchool();
    const issuer = await getIssuer(db, SCHOOL_CODE);
    expect({
      registered: [registered.requiredRoles, registered.certificates.map((c) => c.role)],
      read: [issuer.requiredRoles, issuer.certificates.map((c) => c.role)],
      roles: await issuerRoles(db, SCHOOL_CODE, ["principal"]),
    }).toEqual({
      registered: [
        ["principal", "organisation"],
        ["principal", "organisation"],
      ],
      read: [
        ["principal", "organisation"],
        ["principal", "organisation"],
      ],
      roles: {
        requiredRoles: ["principal", "organisation"],
        roles: { [fingerprintOf(pki.principal)]: "principal", [fingerprintOf(seal)]: "organisation" },
      },
    });
  });

  it("refuses a transcript signed by the principal alone, naming the missing organisation role", async () => {
    await registerSchool();
    const { result } = await submit(130_001, [pki.principal]);
    expect(result).toEqual({
      ok: false,
      error: {
        code: "SIGNER_ROLE_MISSING",
        message: "no authorized signer in role(s) organisation",
        details: expect.objectContaining({ ok: false }) as unknown,
      },
    });
    const { rows } = await db.query("SELECT count(*)::int AS n FROM documents");
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("accepts the transcript co-signed by the principal and the seal, each signer stored with its role", async () => {
    await registerSchool();
    const { document, result } = await submit(130_002, [pki.principal, seal]);
    expect(result).toMatchObject({ ok: true, id: document.id, created: true });
    const { rows } = await db.query<{ signers: { fingerprint: string; role: string; subject: string }[] }>(
      "SELECT signers FROM documents WHERE id = $1",
      [document.id],
    );
    expect(rows[0]!.signers.map(({ fingerprint, role }) => ({ fingerprint, role }))).toEqual([
      { fingerprint: fingerprintOf(pki.principal), role: "principal" },
      { fingerprint: fingerprintOf(seal), role: "organisation" },
    ]);
  });

  it("changes the roles later, audited with before and after; null returns to REQUIRED_SIGNER_ROLES", async () => {
    await registerSchool({ requiredRoles: null });
    // The default (principal) lets the principal sign alone.
    expect((await submit(130_003, [pki.principal])).result).toMatchObject({ ok: true });
    expect(await setRequiredRoles(db, SCHOOL_CODE, ["principal", "organisation"], "admin")).toEqual({
      code: SCHOOL_CODE,
      requiredRoles: ["principal", "organisation"],
    });
    expect((await submit(130_004, [pki.principal])).result).toMatchObject({
      ok: false,
      error: { code: "SIGNER_ROLE_MISSING" },
    });
    expect(await setRequiredRoles(db, SCHOOL_CODE, null, "admin")).toEqual({
      code: SCHOOL_CODE,
      requiredRoles: null,
    });
    const { rows } = await db.query(
      "SELECT actor, action, subject, details FROM audit_log WHERE action = 'issuer.required_roles_changed' ORDER BY id",
    );
    expect(rows).toEqual([
      {
        actor: "admin",
        action: "issuer.required_roles_changed",
        subject: SCHOOL_CODE,
        details: { before: null, after: ["principal", "organisation"] },
      },
      {
        actor: "admin",
        action: "issuer.required_roles_changed",
        subject: SCHOOL_CODE,
        details: { before: ["principal", "organisation"], after: null },
      },
    ]);
  });

  it.each([
    [[], "/requiredRoles", "required roles are a list of 1–10 roles (or null for the default)"],
    [["Principal"], "/requiredRoles/0", "a role is a lowercase word, e.g. principal, homeroom, organisation"],
    [["principal", "principal"], "/requiredRoles", "a role is listed twice"],
  ])("refuses required roles %j with SCHEMA_INVALID at %s", async (roles, path, message) => {
    const error = { code: "SCHEMA_INVALID", message, details: [{ path, code: "SCHEMA_INVALID", message }] };
    expect(await errorOf(registerSchool({ requiredRoles: roles }))).toEqual(error);
    await registerSchool();
    expect(await errorOf(setRequiredRoles(db, SCHOOL_CODE, roles, "admin"))).toEqual(error);
  });

  it("answers NOT_FOUND when setting the roles of an unknown issuer", async () => {
    expect(await errorOf(setRequiredRoles(db, "79999999", ["principal"], "admin"))).toEqual({
      code: "NOT_FOUND",
      message: "no issuer 79999999",
    });
  });
});
