import { Contract, Wallet, ZeroHash, type ContractTransactionResponse } from "ethers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import { issuerCodeBytes32, REGISTRY_ABI } from "../../service/src/adapters/chain/registry";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import type { IssueCertificateOptions, IssuedCertificate } from "../../service/src/adapters/pki/certificates";
import { authenticateApiKey } from "../../service/src/auth/api-keys";
import { certificateInfo } from "../../service/src/core/pki/certificate";
import { isHocbaError } from "../../service/src/core/errors";
import {
  anchorPending,
  type AnchorChainPort,
  type AnchoringDeps,
} from "../../service/src/issuance/anchoring";
import {
  reconcileIssuerCertificates,
  syncIssuerCertificates,
  type IssuerSyncOptions,
} from "../../service/src/issuance/issuer-sync";
import {
  changeIssuerCertificates,
  getIssuer,
  registerIssuer,
  type CertificateInput,
  type IssuerDeps,
} from "../../service/src/issuance/issuers";
import {
  ADMIN_KEY,
  ANCHOR_KEY,
  anchoringClient,
  eventually,
  startChain,
  stopChain,
  type TestChain,
} from "../helpers/chain";
import { databaseBackends } from "../helpers/databases";
import { tempDir } from "../helpers/files";
import { fingerprintOf, issue, makeSchoolPki, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const tmp = tempDir("issuers");
afterAll(() => tmp.dispose());

const anyString = expect.any(String) as unknown;
const anyNumber = expect.any(Number) as unknown;
const matching = (pattern: RegExp) => expect.stringMatching(pattern) as unknown;
const containing = (text: string) => expect.stringContaining(text) as unknown;

const CODE = "79000701";
/** The subject as hocba prints it (RFC 4514 names: title, not T). */
const subjectOf = (certificate: IssuedCertificate) =>
  certificateInfo(certificate.certificate, nodeCrypto, "SIGNATURE_MALFORMED").subject;
const NAME = "Trường THCS Nguyễn Du";

/** The PEM a school hands in: its signer followed by the intermediate CA. */
const pemOf = (certificate: IssuedCertificate, pki: SchoolPki) =>
  certificate.certificatePem + pki.intermediate.certificatePem;

async function errorOf(run: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await run;
  } catch (error) {
    if (isHocbaError(error))
      return error.details === undefined
        ? { code: error.code, message: error.message }
        : { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error("expected a HocbaError");
}

/**
 * Sync rounds, repeated while another test file's round holds the signer lock (it is
 * database-wide: on a shared PostgreSQL other files anchor at the same time) and, unless
 * `untilSettled` is false, while a sent transaction has no receipt yet (a loaded node mines a
 * moment after accepting). Counts add up over the rounds.
 */
async function sync(deps: AnchoringDeps, options?: IssuerSyncOptions, untilSettled = true) {
  let sent = 0;
  let confirmed = 0;
  for (;;) {
    const round = await syncIssuerCertificates(deps, options);
    sent += round.sent;
    confirmed += round.confirmed;
    const { rows } = await deps.db.query(
      "SELECT 1 FROM issuer_certificate_changes WHERE state = 'submitted'",
    );
    if (!round.busy && (!untilSettled || rows.length === 0)) return { sent, confirmed };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** anchorPending rounds (the runners' step) until the issuer journal has nothing open. */
async function anchorUntilSynced(deps: AnchoringDeps) {
  await eventually(async () => {
    await anchorPending(deps);
    const { rows } = await deps.db.query(
      "SELECT 1 FROM issuer_certificate_changes WHERE state <> 'confirmed'",
    );
    return rows.length === 0;
  });
}

describe.each(backends)("issuers on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let pki: SchoolPki;
  let other: SchoolPki;
  let deps: IssuerDeps;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    await migrate(db);
    [pki, other] = await Promise.all([makeSchoolPki(), makeSchoolPki()]);
    deps = { db, trustAnchors: pki.store, crypto: nodeCrypto };
  });
  afterAll(() => opened.dispose());
  beforeEach(() =>
    db.exec(
      "TRUNCATE issuers, issuer_certificates, issuer_certificate_changes, api_keys, audit_log, documents, batches CASCADE",
    ),
  );

  const register = (certificates: CertificateInput[] = [pemOf(pki.principal, pki)], code = CODE) =>
    registerIssuer(deps, { kind: "school", code, name: NAME, certificates }, "admin");

  async function tables() {
    const certificates = await db.query(
      "SELECT issuer_code, fingerprint, subject, role, removed_at IS NOT NULL AS removed FROM issuer_certificates ORDER BY id",
    );
    const changes = await db.query(
      "SELECT issuer_code, fingerprint, action, state FROM issuer_certificate_changes ORDER BY id",
    );
    const audit = await db.query<{ actor: string; action: string; subject: string }>(
      "SELECT actor, action, subject FROM audit_log ORDER BY id",
    );
    return { certificates: certificates.rows, changes: changes.rows, audit: audit.rows };
  }

  it("registers a school with its certificates, journals them for the chain and creates a working API key", async () => {
    const registered = await registerIssuer(
      deps,
      {
        kind: "school",
        code: CODE,
        name: NAME,
        certificates: [pemOf(pki.principal, pki), { pem: pemOf(pki.homeroom, pki), role: "homeroom" }],
      },
      "admin",
    );
    const principal = { fingerprint: fingerprintOf(pki.principal), subject: subjectOf(pki.principal) };
    const homeroom = { fingerprint: fingerprintOf(pki.homeroom), subject: subjectOf(pki.homeroom) };
    expect(registered).toEqual({
      code: CODE,
      kind: "school",
      name: NAME,
      apiKey: anyString,
      certificates: [
        { ...principal, role: "principal" },
        { ...homeroom, role: "homeroom" },
      ],
      requiredRoles: null,
    });
    const key = await authenticateApiKey(db, registered.apiKey);
    expect(key).toEqual({ keyId: anyString, kind: "issuer", issuerCode: CODE, issuerKind: "school" });
    const { rows } = await db.query("SELECT code, kind, name FROM issuers");
    expect(rows).toEqual([{ code: CODE, kind: "school", name: NAME }]);
    expect(await tables()).toEqual({
      certificates: [
        { issuer_code: CODE, ...principal, role: "principal", removed: false },
        { issuer_code: CODE, ...homeroom, role: "homeroom", removed: false },
      ],
      changes: [
        { issuer_code: CODE, fingerprint: principal.fingerprint, action: "add", state: "pending" },
        { issuer_code: CODE, fingerprint: homeroom.fingerprint, action: "add", state: "pending" },
      ],
      audit: [
        { actor: "admin", action: "api_key.created", subject: key!.keyId },
        { actor: "admin", action: "issuer.registered", subject: CODE },
      ],
    });
  });

  it("refuses a code that is already registered and writes nothing", async () => {
    await register();
    const before = await tables();
    expect(await errorOf(register([pemOf(pki.homeroom, pki)]))).toEqual({
      code: "CONFLICT",
      message: `issuer ${CODE} is already registered`,
    });
    expect(await tables()).toEqual(before);
    const { rows } = await db.query("SELECT count(*)::int AS n FROM api_keys");
    expect(rows).toEqual([{ n: 1 }]);
  });

  describe("refuses a certificate that could not sign, with its code and a detail per certificate", () => {
    /** A signer issued by the school CA with `options`, as PEM with its intermediate. */
    const leaf = async (subject: string, options: Partial<IssueCertificateOptions>) =>
      (await issue({ subject, issuer: pki.intermediate, ...options })).certificatePem +
      pki.intermediate.certificatePem;
    const cases: [string, () => Promise<string>, string, RegExp][] = [
      [
        "one that does not chain to the trust anchors",
        () => Promise.resolve(pemOf(other.principal, other)),
        "CERT_UNTRUSTED",
        /no path from ".*" to a trust anchor/,
      ],
      [
        "one that expired",
        () => leaf("CN=Old Principal, C=VN", { notAfter: new Date("2021-01-01T00:00:00Z") }),
        "CERT_EXPIRED",
        /"CN=Old Principal, C=VN" expired 2021-01-01T00:00:00.000Z/,
      ],
      [
        "one not yet valid",
        () => leaf("CN=Future Principal, C=VN", { notBefore: new Date("2039-01-01T00:00:00Z") }),
        "CERT_NOT_YET_VALID",
        /"CN=Future Principal, C=VN" is valid from 2039-01-01/,
      ],
      [
        "one whose key usage allows no signing",
        () => leaf("CN=Encryption Only, C=VN", { keyUsage: ["keyEncipherment"] }),
        "CERT_KEY_USAGE",
        /allows neither digitalSignature nor nonRepudiation/,
      ],
      [
        "one whose extended key usage excludes document signing",
        () => leaf("CN=TLS Server, C=VN", { extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"] }),
        "CERT_EXTENDED_KEY_USAGE",
        /excludes document signing/,
      ],
      [
        "a CA certificate",
        () => Promise.resolve(pki.intermediate.certificatePem),
        "CERT_KEY_USAGE",
        /allows neither/,
      ],
    ];
    it.each(cases)("%s", async (_name, pem, code, message) => {
      const bad = await pem();
      const error = await errorOf(register([pemOf(pki.principal, pki), bad]));
      expect(error).toEqual({
        code,
        message: matching(new RegExp(`^certificate 2: .*${message.source}`)),
        details: [
          {
            path: "/certificates/1",
            index: 1,
            code,
            message: matching(message),
            fingerprint: matching(/^0x[0-9a-f]{64}$/),
            subject: anyString,
          },
        ],
      });
      expect(await tables()).toEqual({ certificates: [], changes: [], audit: [] });
    });
  });

  it("reports every bad certificate of a request, with the code of the first", async () => {
    const error = await errorOf(
      register([pemOf(other.principal, other), pemOf(pki.principal, pki), "not a certificate"]),
    );
    expect(error).toEqual({
      code: "CERT_UNTRUSTED",
      message: matching(/^2 certificates refused; certificate 1: no path/),
      details: [
        {
          path: "/certificates/0",
          index: 0,
          code: "CERT_UNTRUSTED",
          message: matching(/^no path/),
          fingerprint: fingerprintOf(other.principal),
          subject: subjectOf(other.principal),
        },
        { path: "/certificates/2", index: 2, code: "SCHEMA_INVALID", message: "no PEM CERTIFICATE block" },
      ],
    });
  });

  const schemaCases: [string, Record<string, unknown>, string, string][] = [
    ["a code with punctuation", { code: "79-0007" }, "/code", "code must be 2–20 letters or digits"],
    ["a code of one character", { code: "7" }, "/code", "code must be 2–20 letters or digits"],
    ["a code of 21 characters", { code: "1".repeat(21) }, "/code", "code must be 2–20 letters or digits"],
    [
      "an unknown kind",
      { kind: "university" },
      "/kind",
      'kind must be one of "school", "district", "department"',
    ],
    ["an empty name", { name: " " }, "/name", "name must be non-empty text"],
    ["a decomposed (non-NFC) name", { name: NAME.normalize("NFD") }, "/name", "name must be in Unicode NFC"],
    ["no certificates", { certificates: [] }, "/certificates", "certificates must list 1–10 certificates"],
    [
      "eleven certificates",
      { certificates: Array(11).fill("x") },
      "/certificates",
      "certificates must list 1–10 certificates",
    ],
  ];
  it.each(schemaCases)("refuses %s with SCHEMA_INVALID", async (_name, change, path, message) => {
    const input = { kind: "school", code: CODE, name: NAME, certificates: ["x"], ...change };
    const error = await errorOf(registerIssuer(deps, input as never, "admin"));
    expect(error).toEqual({
      code: "SCHEMA_INVALID",
      message: containing(message),
      details: [{ path, code: "SCHEMA_INVALID", message: containing(message) }],
    });
  });

  it("refuses a bad role, corrupt PEM and the same certificate twice with a detail each", async () => {
    const principal = pemOf(pki.principal, pki);
    const corrupt = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    const garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const error = await errorOf(
      register([principal, { pem: principal, role: "Hiệu trưởng" }, corrupt, garbage, principal]),
    );
    expect(error).toEqual({
      code: "SCHEMA_INVALID",
      message: "4 certificates refused; certificate 2: role must be a lowercase word, e.g. principal",
      details: [
        {
          path: "/certificates/1",
          index: 1,
          code: "SCHEMA_INVALID",
          message: "role must be a lowercase word, e.g. principal",
        },
        {
          path: "/certificates/2",
          index: 2,
          code: "SCHEMA_INVALID",
          message: "corrupt base64 in the PEM certificate",
        },
        {
          path: "/certificates/3",
          index: 3,
          code: "SCHEMA_INVALID",
          message: matching(/^malformed certificate/),
        },
        {
          path: "/certificates/4",
          index: 4,
          code: "SCHEMA_INVALID",
          message: "the same certificate is listed twice",
          fingerprint: fingerprintOf(pki.principal),
          subject: subjectOf(pki.principal),
        },
      ],
    });
  });

  describe("key rotation", () => {
    it("adds and removes certificates, keeping the removed interval and journalling both", async () => {
      await register();
      const active = await changeIssuerCertificates(
        deps,
        CODE,
        {
          add: [{ pem: pemOf(pki.homeroom, pki), role: "homeroom" }],
          remove: [fingerprintOf(pki.principal)],
        },
        "admin",
      );
      expect(active).toEqual([
        { fingerprint: fingerprintOf(pki.homeroom), subject: subjectOf(pki.homeroom), role: "homeroom" },
      ]);
      const state = await tables();
      expect(state.certificates.map((c) => [c.fingerprint, c.removed])).toEqual([
        [fingerprintOf(pki.principal), true],
        [fingerprintOf(pki.homeroom), false],
      ]);
      expect(state.changes.map((c) => [c.fingerprint, c.action])).toEqual([
        [fingerprintOf(pki.principal), "add"],
        [fingerprintOf(pki.principal), "remove"],
        [fingerprintOf(pki.homeroom), "add"],
      ]);
      expect(state.audit.at(-1)).toEqual({
        actor: "admin",
        action: "issuer.certificates_changed",
        subject: CODE,
      });
    });

    it("re-adds a removed certificate as a new interval, even in the same call", async () => {
      await register();
      const fp = fingerprintOf(pki.principal);
      await changeIssuerCertificates(deps, CODE, { remove: [fp], add: [pemOf(pki.principal, pki)] }, "admin");
      const issuer = await getIssuer(db, CODE);
      expect(issuer.certificates.map((c) => [c.fingerprint, c.removedAt === null, c.onChain])).toEqual([
        [fp, false, { add: pendingState, remove: pendingState }],
        [fp, true, { add: pendingState, remove: null }],
      ]);
    });

    const pendingState = { state: "pending", txHash: null, blockNumber: null, lastError: null };

    it("answers CONFLICT for an added certificate that is already active, NOT_FOUND for an unknown one or issuer", async () => {
      await register();
      const before = await tables();
      expect(
        await errorOf(changeIssuerCertificates(deps, CODE, { add: [pemOf(pki.principal, pki)] }, "admin")),
      ).toEqual({
        code: "CONFLICT",
        message: `certificate ${fingerprintOf(pki.principal)} is already active for ${CODE}`,
      });
      const unknown = fingerprintOf(pki.homeroom);
      expect(await errorOf(changeIssuerCertificates(deps, CODE, { remove: [unknown] }, "admin"))).toEqual({
        code: "NOT_FOUND",
        message: `certificate ${unknown} is not an active certificate of ${CODE}`,
      });
      expect(
        await errorOf(changeIssuerCertificates(deps, "99999999", { remove: [unknown] }, "admin")),
      ).toEqual({ code: "NOT_FOUND", message: "no issuer 99999999" });
      expect(await tables()).toEqual(before);
    });

    it("answers SCHEMA_INVALID for an empty change, a malformed fingerprint or a repeated one", async () => {
      const fp = fingerprintOf(pki.principal);
      const cases: [Parameters<typeof changeIssuerCertificates>[2], string, string][] = [
        [{}, "", "nothing to add or remove"],
        [{ remove: ["0xABC"] }, "/remove/0", "a fingerprint is 0x and 64 lowercase hex digits"],
        [{ remove: [fp, fp] }, "/remove", "a fingerprint is listed twice"],
      ];
      for (const [changes, path, message] of cases) {
        expect(await errorOf(changeIssuerCertificates(deps, CODE, changes, "admin"))).toEqual({
          code: "SCHEMA_INVALID",
          message,
          details: [{ path, code: "SCHEMA_INVALID", message }],
        });
      }
    });
  });

  describe("on-chain issuer registry", () => {
    let chain: TestChain;
    let anchoring: AnchoringDeps;
    const anchorAccount = new Wallet(ANCHOR_KEY).address;

    beforeEach(async () => {
      chain = await startChain(tmp.path(`${backend.name}-${Date.now()}.json`));
      anchoring = { db, chain: chain.registry, maxBatch: 1000, confirmations: 1 };
    });
    afterEach(() => stopChain(chain));

    /** Sends a registry call from the registry admin's account and waits for it to be mined. */
    const adminSend = async (name: string, ...args: unknown[]) => {
      const tx = (await chain.admin.getFunction(name)(...args)) as ContractTransactionResponse;
      await tx.wait();
    };
    const grantAdmin = () => adminSend("grantRole", ZeroHash, anchorAccount);
    const history = async (fingerprint: string) =>
      (
        (await chain.admin.getFunction("issuerCertificateHistory")(issuerCodeBytes32(CODE), fingerprint)) as {
          addedAt: bigint;
          removedAt: bigint;
        }[]
      ).map((interval) => ({ addedAt: Number(interval.addedAt), removedAt: Number(interval.removedAt) }));
    const changeStates = async () =>
      (
        await db.query<{
          action: string;
          state: string;
          tx: boolean;
          block: boolean;
          last_error: string | null;
        }>(
          `SELECT action, state, tx_hash IS NOT NULL AS tx, block_number IS NOT NULL AS block, last_error
             FROM issuer_certificate_changes ORDER BY id`,
        )
      ).rows;
    const blockTime = async (txHash: string) => {
      const receipt = await chain.provider.getTransactionReceipt(txHash);
      return (await chain.provider.getBlock(receipt!.blockNumber))!.timestamp;
    };

    it("puts the fingerprints on chain through anchorPending and removes them after a rotation", async () => {
      await grantAdmin();
      const fp = fingerprintOf(pki.principal);
      await register();
      await anchorUntilSynced(anchoring);
      expect(await changeStates()).toEqual([
        { action: "add", state: "confirmed", tx: true, block: true, last_error: null },
      ]);
      const now = new Date();
      expect(await chain.registry.isIssuerCertificate(CODE, fp, new Date(now.getTime() + 5000))).toBe(true);

      await chain.provider.send("evm_increaseTime", [60]); // the removal lands a minute later
      await changeIssuerCertificates(deps, CODE, { remove: [fp] }, "admin");
      await anchorUntilSynced(anchoring);
      const issuer = await getIssuer(db, CODE);
      const onChain = issuer.certificates[0]!.onChain;
      expect(onChain).toEqual({
        add: {
          state: "confirmed",
          txHash: anyString,
          blockNumber: anyNumber,
          lastError: null,
        },
        remove: {
          state: "confirmed",
          txHash: anyString,
          blockNumber: anyNumber,
          lastError: null,
        },
      });
      const added = await blockTime(onChain.add!.txHash!);
      const removed = await blockTime(onChain.remove!.txHash!);
      expect(await history(fp)).toEqual([{ addedAt: added, removedAt: removed }]);
      expect(removed - added).toBeGreaterThanOrEqual(60);
      expect(await chain.registry.isIssuerCertificate(CODE, fp, new Date(added * 1000 - 1000))).toBe(false);
      expect(await chain.registry.isIssuerCertificate(CODE, fp, new Date(added * 1000))).toBe(true);
      expect(await chain.registry.isIssuerCertificate(CODE, fp, new Date(removed * 1000 - 1000))).toBe(true);
      expect(await chain.registry.isIssuerCertificate(CODE, fp, new Date(removed * 1000))).toBe(false);
      expect(await chain.registry.isIssuerCertificate(CODE, fp, new Date(removed * 1000 + 60_000))).toBe(
        false,
      );
    });

    it("re-broadcasts a change that was recorded but never sent, under the same transaction hash", async () => {
      await grantAdmin();
      await register();
      const lost: AnchorChainPort = { ...chain.registry, broadcast: () => Promise.resolve("sent" as const) };
      expect(await sync({ ...anchoring, chain: lost }, {}, false)).toEqual({ sent: 1, confirmed: 0 });
      const { rows } = await db.query<{ tx_hash: string }>("SELECT tx_hash FROM issuer_certificate_changes");
      const recorded = rows[0]!.tx_hash;
      expect(await chain.provider.getTransaction(recorded)).toBeNull();
      // Re-broadcast (same hash), mined at once (automine), confirmed by its receipt.
      expect(await sync(anchoring)).toEqual({ sent: 0, confirmed: 1 });
      expect((await chain.provider.getTransactionReceipt(recorded))!.status).toBe(1);
      expect(await history(fingerprintOf(pki.principal))).toHaveLength(1);
    });

    it("confirms without a transaction a change the chain already has", async () => {
      await grantAdmin();
      await register();
      const fp = fingerprintOf(pki.principal);
      await adminSend("addIssuerCertificate", issuerCodeBytes32(CODE), fp);
      const nonce = await chain.registry.nextNonce();
      expect(await sync(anchoring)).toEqual({ sent: 0, confirmed: 1 });
      expect(await changeStates()).toEqual([
        { action: "add", state: "confirmed", tx: false, block: false, last_error: null },
      ]);
      expect(await chain.registry.nextNonce()).toBe(nonce);
      expect(await history(fp)).toHaveLength(1);
    });

    it("confirms a recorded change whose transaction reverted because the chain got it another way", async () => {
      await grantAdmin();
      await register();
      const fp = fingerprintOf(pki.principal);
      const lost: AnchorChainPort = { ...chain.registry, broadcast: () => Promise.resolve("sent" as const) };
      await sync({ ...anchoring, chain: lost }, {}, false);
      await adminSend("addIssuerCertificate", issuerCodeBytes32(CODE), fp);
      // The recorded transaction is sent now and reverts; the registry shows the certificate active.
      expect(await sync(anchoring)).toEqual({ sent: 0, confirmed: 1 });
      expect(await changeStates()).toEqual([
        { action: "add", state: "confirmed", tx: true, block: false, last_error: null },
      ]);
      expect(await history(fp)).toHaveLength(1);
    });

    it("puts a reverted change (service key without DEFAULT_ADMIN_ROLE) back to pending, then retries it", async () => {
      await register();
      expect(await sync(anchoring)).toEqual({ sent: 1, confirmed: 0 });
      expect(await changeStates()).toEqual([
        {
          action: "add",
          state: "pending",
          tx: false,
          block: false,
          last_error: matching(
            /^transaction 0x[0-9a-f]{64} reverted \(does the service key hold DEFAULT_ADMIN_ROLE\?\)$/,
          ),
        },
      ]);
      // Within the retry pause nothing is signed again.
      expect(await sync(anchoring)).toEqual({ sent: 0, confirmed: 0 });
      await grantAdmin();
      expect(await sync(anchoring, { retryAfterMs: 0 })).toEqual({ sent: 1, confirmed: 1 });
      expect(
        await chain.registry.isIssuerCertificate(CODE, fingerprintOf(pki.principal), new Date(8.64e15)),
      ).toBe(true);
    });

    it("start-up reconciliation queues again what a registry that lost its state lacks, and reports it", async () => {
      await grantAdmin();
      const principalFp = fingerprintOf(pki.principal);
      const homeroomFp = fingerprintOf(pki.homeroom);
      await register([pemOf(pki.principal, pki), { pem: pemOf(pki.homeroom, pki), role: "homeroom" }]);
      await changeIssuerCertificates(deps, CODE, { remove: [homeroomFp] }, "admin");
      await anchorUntilSynced(anchoring); // the removal waits for its add: two rounds
      expect(await reconcileIssuerCertificates(anchoring)).toEqual([]);

      // A registry without the state: the principal is missing, the removed homeroom still active.
      const wallet = new Wallet(ADMIN_KEY, chain.provider);
      const fresh = await deployRegistry(wallet, { anchorers: [anchorAccount] });
      const lostChain = anchoringClient(chain.anvil.url, fresh.address);
      const freshAdmin = new Contract(fresh.address, REGISTRY_ABI, wallet);
      for (const [name, ...args] of [
        ["grantRole", ZeroHash, anchorAccount],
        ["addIssuerCertificate", issuerCodeBytes32(CODE), homeroomFp],
      ] as const) {
        await ((await freshAdmin.getFunction(name)(...args)) as ContractTransactionResponse).wait();
      }
      const lostDeps = { ...anchoring, chain: lostChain };
      try {
        expect(await reconcileIssuerCertificates(lostDeps)).toEqual([
          { issuerCode: CODE, fingerprint: principalFp, action: "add" },
          { issuerCode: CODE, fingerprint: homeroomFp, action: "remove" },
        ]);
        const { rows } = await db.query(
          "SELECT actor, action, subject FROM audit_log WHERE action = 'issuer_certificate.lost'",
        );
        expect(rows).toEqual([
          { actor: "system", action: "issuer_certificate.lost", subject: CODE },
          { actor: "system", action: "issuer_certificate.lost", subject: CODE },
        ]);
        const pending = { state: "pending", txHash: null, blockNumber: null, lastError: null };
        expect((await getIssuer(db, CODE)).certificates.map((c) => c.onChain)).toEqual([
          { add: pending, remove: null },
          {
            add: { state: "confirmed", txHash: anyString, blockNumber: anyNumber, lastError: null },
            remove: pending,
          },
        ]);
        expect(await sync(lostDeps)).toEqual({ sent: 2, confirmed: 2 });
        expect([
          await lostChain.isIssuerCertificate(CODE, principalFp, new Date(8.64e15)),
          await lostChain.isIssuerCertificate(CODE, homeroomFp, new Date(8.64e15)),
        ]).toEqual([true, false]);
        expect(await reconcileIssuerCertificates(lostDeps)).toEqual([]);
      } finally {
        lostChain.close();
      }
    });
  });
});
