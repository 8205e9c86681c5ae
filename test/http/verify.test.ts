import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { CHECK_NAMES, type VerificationResult } from "../../service/src/core/verification";
import { buildApp } from "../../service/src/http/app";
import { MAX_VERIFY_BATCH } from "../../service/src/http/routes/verify";
import type { Credential } from "../../service/src/issuance/credential";
import { apiKeyFor, settle, signedItem } from "../helpers/app";
import { allowSchoolSigner, type TestChain } from "../helpers/chain";
import { anchoredCredentials, grantRevoker } from "../helpers/credentials";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
import { databaseBackends } from "../helpers/databases";
import { makeTranscript, withValue } from "../helpers/fixtures";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-http-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

let seed = 63_000;
const ALL_VALID = CHECK_NAMES.map((name) => `${name}: valid`);
const summary = (result: VerificationResult) => ({
  valid: result.valid,
  verdict: result.verdict,
  checks: result.checks.map((check) => `${check.name}: ${check.status}`),
});
const FORMAT_INVALID = {
  valid: false,
  verdict: "not-hocba",
  checks: CHECK_NAMES.map((name) => `${name}: ${name === "format" ? "invalid" : "skipped"}`),
};

describe.each(backends)("the verify API on $name", (backend) => {
  let db: Database;
  let chain: TestChain;
  let t: BackendApp;
  let app: FastifyInstance;
  let credentials: Credential[];
  let verifierKey: string;

  beforeAll(async () => {
    t = await startBackendApp(backend, dir, { pki });
    db = t.db;
    chain = t.chain;
    await allowSchoolSigner(t.chain, fingerprintOf(pki.principal));
    app = t.app;
    verifierKey = await apiKeyFor(db, SCHOOL_CODE, "verifier");
    const documents = [0, 1].map(() =>
      makeTranscript({
        seed: seed++,
        school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
      }),
    );
    for (const document of documents) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/transcripts",
        headers: { authorization: `Bearer ${t.schoolKey}` },
        payload: await signedItem(pki, document),
      });
      expect(res.statusCode).toBe(202);
    }
    await settle(t.anchoring);
    credentials = await Promise.all(
      documents.map(async (document) => {
        const res = await app.inject({
          method: "GET",
          url: `/api/v1/transcripts/${document.id}/credential`,
          headers: { authorization: `Bearer ${t.schoolKey}` },
        });
        return res.json<Credential>();
      }),
    );
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const verify = (payload: unknown, headers: Record<string, string> = {}, on = app) =>
    on.inject({
      method: "POST",
      url: "/api/v1/verify",
      headers: { "content-type": "application/json", ...headers },
      payload: JSON.stringify(payload),
    });

  it("answers 200 with the eight checks for a credential from the service", async () => {
    const res = await verify(credentials[0]);
    expect([res.statusCode, summary(res.json<VerificationResult>())]).toEqual([
      200,
      { valid: true, verdict: "valid", checks: ALL_VALID },
    ]);
  });

  it("answers 200 with valid:false for a changed credential: integrity and signature fail, the rest run", async () => {
    const forged = withValue(credentials[0], "/document/student/fullName", "Nguyễn Thị Bình");
    const res = await verify(forged);
    const result = res.json<VerificationResult>();
    expect([res.statusCode, summary(result), result.checks[1]!.message]).toEqual([
      200,
      {
        valid: false,
        verdict: "invalid",
        checks: ALL_VALID.map((check) =>
          ["integrity: valid", "signature: valid"].includes(check)
            ? check.replace("valid", "invalid")
            : check,
        ),
      },
      expect.stringMatching(/^the content was changed after it was signed: it hashes to 0x/) as unknown,
    ]);
  });

  it("answers 200 with the verdict not-hocba for an object that is not a credential", async () => {
    const res = await verify({ hello: "world" });
    expect([res.statusCode, summary(res.json<VerificationResult>())]).toEqual([200, FORMAT_INVALID]);
  });

  it("rejects a body that is not a JSON object with 400 SCHEMA_INVALID", async () => {
    const answers = await Promise.all([[credentials[0]], "a credential", 42].map((body) => verify(body)));
    expect(
      answers.map((res) => [res.statusCode, res.json<{ error: { code: string } }>().error.code]),
    ).toEqual([
      [400, "SCHEMA_INVALID"],
      [400, "SCHEMA_INVALID"],
      [400, "SCHEMA_INVALID"],
    ]);
  });

  it("verifies a batch and answers in input order", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/verify/batch",
      payload: { credentials: [credentials[1], { format: "hocba/1" }, credentials[0]] },
    });
    const { results } = res.json<{ results: VerificationResult[] }>();
    expect([res.statusCode, results.map(summary), results.map((r) => r.checks[0]!.data?.documentId)]).toEqual(
      [
        200,
        [
          { valid: true, verdict: "valid", checks: ALL_VALID },
          FORMAT_INVALID,
          { valid: true, verdict: "valid", checks: ALL_VALID },
        ],
        [
          (credentials[1]!.document as { id: string }).id,
          undefined,
          (credentials[0]!.document as { id: string }).id,
        ],
      ],
    );
  });

  it(`rejects an empty batch and one of more than ${MAX_VERIFY_BATCH} credentials with 400 SCHEMA_INVALID`, async () => {
    const answers = await Promise.all(
      [[], Array.from({ length: MAX_VERIFY_BATCH + 1 }, () => ({}))].map((list) =>
        app.inject({ method: "POST", url: "/api/v1/verify/batch", payload: { credentials: list } }),
      ),
    );
    expect(
      answers.map((res) => [res.statusCode, res.json<{ error: { code: string } }>().error.code]),
    ).toEqual([
      [400, "SCHEMA_INVALID"],
      [400, "SCHEMA_INVALID"],
    ]);
  });

  it("reports a revocation at once, before the anchoring round writes it on chain, then from the chain", async () => {
    await grantRevoker(chain);
    const document = makeTranscript({
      seed: seed++,
      school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
    });
    const [credential] = await anchoredCredentials(t, pki, [document]);
    const leaf = credential!.anchor.leaf;
    // No anchoring round runs here until settle(): as with a long ANCHOR_INTERVAL_MS.
    const revoke = await app.inject({
      method: "POST",
      url: `/api/v1/transcripts/${document.id}/revoke`,
      headers: { authorization: `Bearer ${t.schoolKey}` },
      payload: { reason: "cấp nhầm" },
    });
    const { rows } = await db.query<{ revoked_at: Date }>("SELECT revoked_at FROM documents WHERE id = $1", [
      document.id,
    ]);
    const revokedAt = new Date(rows[0]!.revoked_at).toISOString();
    const get = async (url: string) => {
      const res = await app.inject({ method: "GET", url });
      return [res.statusCode, res.json<unknown>()];
    };
    const revocationOf = (result: VerificationResult) =>
      result.checks.find((check) => check.name === "revocation");
    const pending = (await verify(credential)).json<VerificationResult>();
    expect({
      revoke: revoke.statusCode,
      verdict: summary(pending),
      revocation: revocationOf(pending),
      service: await get(`/api/v1/revocations/${leaf}`),
      chain: await get(`/api/v1/chain/revocations/${leaf}`),
    }).toEqual({
      revoke: 202,
      verdict: {
        valid: false,
        verdict: "revoked",
        checks: ALL_VALID.map((check) => (check === "revocation: valid" ? "revocation: invalid" : check)),
      },
      revocation: {
        name: "revocation",
        status: "invalid",
        message: `the document was revoked by its issuer at ${revokedAt}; the on-chain write is pending`,
        data: { leaf, revokedAt, onChain: false },
      },
      service: [200, { leaf, revokedAt }],
      chain: [200, { leaf, revokedAt: 0 }],
    });

    await settle(t.anchoring);
    const onChain = new Date((await chain.registry.revokedAt(leaf)) * 1000).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 600)); // the chain port's revocation index refreshes every 500 ms
    const written = (await verify(credential)).json<VerificationResult>();
    expect(revocationOf(written)).toEqual({
      name: "revocation",
      status: "invalid",
      message: `the document was revoked at ${onChain}`,
      data: { leaf, revokedAt: onChain },
    });
  });

  it("answers null for a leaf the service knows as not revoked, and 400 for a malformed one", async () => {
    const leaf = credentials[0]!.anchor.leaf;
    const [known, malformed] = (await Promise.all(
      [leaf, "0x1234"].map((l) => app.inject({ method: "GET", url: `/api/v1/revocations/${l}` })),
    )) as [LightMyRequestResponse, LightMyRequestResponse];
    expect([
      known.statusCode,
      known.json(),
      malformed.statusCode,
      malformed.json<{ error: { code: string } }>().error.code,
    ]).toEqual([200, { leaf, revokedAt: null }, 400, "SCHEMA_INVALID"]);
  });

  it("documents both routes in the OpenAPI description", async () => {
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    const paths = res.json<{ paths: Record<string, { post?: { summary?: string } }> }>().paths;
    expect([paths["/api/v1/verify"]?.post?.summary, paths["/api/v1/verify/batch"]?.post?.summary]).toEqual([
      "Verify one credential, or a signed PDF: the eight named checks and the verdict",
      `Verify up to ${MAX_VERIFY_BATCH} credentials; results in input order`,
    ]);
  });

  it("limits anonymous callers per address (429 RATE_LIMITED) but not holders of an API key", async () => {
    const limited = await buildApp({
      bodyLimit: 6_000_000,
      services: { ...t.services, limits: { verifyMax: 2, verifyWindowMs: 60_000 } },
    });
    try {
      const anonymous = [];
      for (let i = 0; i < 3; i++) anonymous.push((await verify({}, {}, limited)).statusCode);
      const other = await verify({}, {}, limited).then(() =>
        limited.inject({ method: "POST", url: "/api/v1/verify", remoteAddress: "10.0.0.9", payload: {} }),
      );
      const keyed = [];
      for (let i = 0; i < 4; i++)
        keyed.push((await verify({}, { authorization: `Bearer ${verifierKey}` }, limited)).statusCode);
      const refused = await verify({}, {}, limited);
      const badKey = await verify({}, { authorization: "Bearer not-a-key" }, limited);
      expect({
        anonymous,
        other: other.statusCode,
        keyed,
        refused: [refused.statusCode, refused.json<{ error: { code: string } }>().error.code],
        badKey: badKey.statusCode,
      }).toEqual({
        anonymous: [200, 200, 429],
        other: 200,
        keyed: [200, 200, 200, 200],
        refused: [429, "RATE_LIMITED"],
        badKey: 401,
      });
    } finally {
      await limited.close();
    }
  });

  it("counts an anonymous caller's credentials, not requests: a batch of 3 uses 3, one that would go over is refused whole", async () => {
    const limited = await buildApp({
      bodyLimit: 6_000_000,
      services: { ...t.services, limits: { verifyMax: 5, verifyWindowMs: 600_000 } },
    });
    try {
      const batch = (n: number, remoteAddress: string, headers: Record<string, string> = {}) =>
        limited.inject({
          method: "POST",
          url: "/api/v1/verify/batch",
          headers,
          remoteAddress,
          payload: { credentials: Array.from({ length: n }, () => ({})) },
        });
      const single = (remoteAddress: string) =>
        limited.inject({ method: "POST", url: "/api/v1/verify", remoteAddress, payload: {} });
      const seen = (res: Awaited<ReturnType<typeof single>>) => [
        res.statusCode,
        res.headers["x-ratelimit-limit"],
        res.headers["x-ratelimit-remaining"],
        res.statusCode === 429 ? res.json<{ error: { message: string } }>().error.message : "",
      ];
      const a = "10.40.0.1";
      const answers = [
        seen(await batch(3, a)), // 3 of 5
        seen(await single(a)), // 4 of 5
        seen(await batch(2, a)), // would be 6: refused, nothing taken
        seen(await single(a)), // 5 of 5
        seen(await single(a)),
        seen(await batch(6, "10.40.0.2")), // more than the limit at once
        (await batch(6, "10.40.0.2", { authorization: `Bearer ${verifierKey}` })).statusCode,
      ];
      expect(answers).toEqual([
        [200, "5", "2", ""],
        [200, "5", "1", ""],
        [
          429,
          "5",
          "1",
          "too many verifications from this address (at most 5 credentials every 10 minutes, 1 left): try again in 10 minutes",
        ],
        [200, "5", "0", ""],
        [
          429,
          "5",
          "0",
          "too many verifications from this address (at most 5 credentials every 10 minutes, 0 left): try again in 10 minutes",
        ],
        [
          429,
          "5",
          "5",
          "a batch of 6 credentials is more than this address may verify (at most 5 every 10 minutes): split it, or use a verifier key",
        ],
        200,
      ]);
    } finally {
      await limited.close();
    }
  });

  it("counts IPv6 clients by /64 and IPv4-mapped addresses as IPv4", async () => {
    const limited = await buildApp({
      bodyLimit: 6_000_000,
      services: { ...t.services, limits: { verifyMax: 2, verifyWindowMs: 600_000 } },
    });
    try {
      const from = async (remoteAddress: string) =>
        (await limited.inject({ method: "POST", url: "/api/v1/verify", remoteAddress, payload: {} }))
          .statusCode;
      expect([
        await from("2001:db8:40:1::1"),
        await from("2001:db8:40:1:aaaa:bbbb:cccc:dddd"),
        await from("2001:db8:40:1::2"),
        await from("2001:db8:40:2::1"),
        await from("10.40.1.1"),
        await from("::ffff:10.40.1.1"),
        await from("::ffff:10.40.1.1"),
      ]).toEqual([200, 200, 429, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it("reports a corrected document as superseded, also among concurrent requests sharing one look-up", async () => {
    const old = credentials[1]!;
    const oldId = (old.document as { id: string }).id;
    const correction = {
      ...makeTranscript({
        seed: seed++,
        school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
      }),
      supersedes: oldId,
    };
    const submitted = await app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: { authorization: `Bearer ${t.schoolKey}` },
      payload: await signedItem(pki, correction),
    });
    expect(submitted.statusCode).toBe(202);
    const [first, second, batch] = await Promise.all([
      verify(credentials[0]),
      verify(old),
      app.inject({
        method: "POST",
        url: "/api/v1/verify/batch",
        payload: { credentials: [old, credentials[0]] },
      }),
    ]);
    const superseded = {
      valid: false,
      verdict: "invalid",
      checks: ALL_VALID.map((check) => (check === "supersession: valid" ? "supersession: invalid" : check)),
    };
    const results = batch.json<{ results: VerificationResult[] }>().results;
    expect([
      summary(first.json<VerificationResult>()),
      summary(second.json<VerificationResult>()),
      second.json<VerificationResult>().checks[7]!.data,
      results.map(summary),
    ]).toEqual([
      { valid: true, verdict: "valid", checks: ALL_VALID },
      superseded,
      { documentId: oldId, supersededBy: correction.id },
      [superseded, { valid: true, verdict: "valid", checks: ALL_VALID }],
    ]);
  });
});
