import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { chainStatusOf } from "../../service/src/adapters/chain/chain-status";
import { createRegistryClient, issuerCodeBytes32 } from "../../service/src/adapters/chain/registry";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { createTrustStore } from "../../service/src/core/pki";
import { buildApp } from "../../service/src/http/app";
import type { Credential } from "../../service/src/issuance/credential";
import { buildTestApp, type TestApp } from "../helpers/app";
import { ANCHOR_KEY, startChain, stopChain, type TestChain } from "../helpers/chain";
import { anchoredCredentials, grantRevoker, revokeDocument, schoolTranscript } from "../helpers/credentials";
import { databaseBackends } from "../helpers/databases";
import { tempDir } from "../helpers/files";
import { closedPortUrl } from "../helpers/listening-app";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

// One backend is enough here: the routes read the chain; the database answers one plain SELECT.
const backend = (await databaseBackends()).at(-1)!;
const tmp = tempDir("hocba-http-public-chain");
const ZERO = `0x${"0".repeat(64)}`;

describe(`the public chain routes (${backend.name})`, () => {
  let opened: { db: Database; dispose: () => Promise<void> };
  let chain: TestChain;
  let pki: SchoolPki;
  let t: TestApp;
  let app: FastifyInstance;
  let kept: Credential;
  let revoked: Credential;
  let corrected: Credential;
  let correctionId: string;

  beforeAll(async () => {
    opened = await backend.open();
    await migrate(opened.db);
    pki = await makeSchoolPki();
    chain = await startChain(tmp.path("chain.json"));
    await grantRevoker(chain);
    const added = await chain.admin
      .getFunction("addIssuerCertificate")
      .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(pki.principal));
    await added.wait();
    t = await buildTestApp({ db: opened.db, chain, pki });
    app = t.app;
    const documents = [81_001, 81_002, 81_003].map((seed) => schoolTranscript(seed));
    [kept, revoked, corrected] = (await anchoredCredentials(t, pki, documents)) as [
      Credential,
      Credential,
      Credential,
    ];
    const correction = { ...schoolTranscript(81_004), supersedes: documents[2]!.id };
    correctionId = correction.id;
    await anchoredCredentials(t, pki, [correction]);
    await revokeDocument(t, documents[1]!.id);
  });
  afterAll(async () => {
    await app?.close();
    if (chain) await stopChain(chain);
    await opened?.dispose();
    tmp.dispose();
  });

  const get = async (url: string, on = app) => {
    const res = await on.inject({ method: "GET", url });
    return [res.statusCode, res.json<unknown>()];
  };

  it("lists the trust anchors as PEM certificates a verifier can load", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/trust-anchors" });
    const { anchors } = res.json<{ anchors: string[] }>();
    expect([res.statusCode, createTrustStore(anchors).anchors.map((a) => a.fingerprint)]).toEqual([
      200,
      pki.store.anchors.map((a) => a.fingerprint),
    ]);
  });

  it("names the chain and registry the service anchors on", async () => {
    expect(await get("/api/v1/chain")).toEqual([200, { chainId: 31337, registry: chain.registry.address }]);
  });

  it("answers when a root was anchored, from the registry, and 0 for a root never anchored", async () => {
    const root = kept.anchor.merkleRoot;
    expect([await get(`/api/v1/chain/roots/${root}`), await get(`/api/v1/chain/roots/${ZERO}`)]).toEqual([
      [200, { root, anchoredAt: await chain.registry.anchoredAt(root) }],
      [200, { root: ZERO, anchoredAt: 0 }],
    ]);
    expect(await chain.registry.anchoredAt(root)).toBeGreaterThan(0);
  });

  it("answers when a leaf was revoked, and 0 for a leaf that is not", async () => {
    const leaf = revoked.anchor.leaf;
    const revokedAt = await chain.registry.revokedAt(leaf);
    expect([
      revokedAt > 0,
      await get(`/api/v1/chain/revocations/${leaf}`),
      await get(`/api/v1/chain/revocations/${kept.anchor.leaf}`),
    ]).toEqual([true, [200, { leaf, revokedAt }], [200, { leaf: kept.anchor.leaf, revokedAt: 0 }]]);
  });

  it("answers whether a certificate was authorized for the school at a time", async () => {
    const fingerprint = fingerprintOf(pki.principal);
    const now = new Date().toISOString();
    const url = (fp: string, at: string) =>
      `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${fp}?at=${encodeURIComponent(at)}`;
    expect([
      await get(url(fingerprint, now)),
      await get(url(ZERO, now)),
      await get(url(fingerprint, "2001-01-01T00:00:00Z")),
    ]).toEqual([
      [200, { code: SCHOOL_CODE, fingerprint, at: now, authorized: true }],
      [200, { code: SCHOOL_CODE, fingerprint: ZERO, at: now, authorized: false }],
      [200, { code: SCHOOL_CODE, fingerprint, at: "2001-01-01T00:00:00.000Z", authorized: false }],
    ]);
  });

  it("names the correction of a superseded document, and null for others and unknown ids", async () => {
    const id = (credential: Credential) => (credential.document as { id: string }).id;
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect([
      await get(`/api/v1/documents/${id(corrected)}/supersession`),
      await get(`/api/v1/documents/${id(kept)}/supersession`),
      await get(`/api/v1/documents/${unknown}/supersession`),
    ]).toEqual([
      [200, { id: id(corrected), supersededBy: correctionId }],
      [200, { id: id(kept), supersededBy: null }],
      [200, { id: unknown, supersededBy: null }],
    ]);
  });

  it("rejects malformed roots, leaves, codes, times and ids with 400 SCHEMA_INVALID", async () => {
    const urls = [
      "/api/v1/chain/roots/0x1234",
      "/api/v1/chain/revocations/not-a-leaf",
      `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${ZERO}?at=yesterday`,
      `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${ZERO}`,
      // Shaped like a date-time, but no date the registry can be asked about.
      `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${ZERO}?at=2016-12-31T23:59:60Z`,
      `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${ZERO}?at=1969-12-31T23:59:59Z`,
      `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${ZERO}?at=2024-02-30T00:00:00Z`,
      "/api/v1/documents/42/supersession",
    ];
    const answers = await Promise.all(urls.map((url) => get(url)));
    expect(
      answers.map(([status, body]) => [status, (body as { error: { code: string } }).error.code]),
    ).toEqual(urls.map(() => [400, "SCHEMA_INVALID"]));
  });

  it("answers 503 CHAIN_UNAVAILABLE when the chain cannot be read, so a page reports an error, not a forgery", async () => {
    const down = createRegistryClient({
      rpcUrl: await closedPortUrl(),
      chainId: 31337,
      address: chain.registry.address,
      privateKey: ANCHOR_KEY,
      gasPrice: 0n,
    });
    const broken = await buildApp({
      bodyLimit: 1_000_000,
      pagesDir: null,
      services: { ...t.services, chainStatus: chainStatusOf(down) },
    });
    try {
      const answers = await Promise.all(
        [
          `/api/v1/chain/roots/${kept.anchor.merkleRoot}`,
          `/api/v1/chain/revocations/${kept.anchor.leaf}`,
          `/api/v1/chain/issuers/${SCHOOL_CODE}/certificates/${ZERO}?at=2020-01-01T00:00:00Z`,
        ].map((url) => get(url, broken)),
      );
      expect(
        answers.map(([status, body]) => [status, (body as { error: { code: string } }).error.code]),
      ).toEqual([
        [503, "CHAIN_UNAVAILABLE"],
        [503, "CHAIN_UNAVAILABLE"],
        [503, "CHAIN_UNAVAILABLE"],
      ]);
    } finally {
      await broken.close();
      down.close();
    }
  });

  it("documents every route in the OpenAPI description", async () => {
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    const paths = Object.keys(res.json<{ paths: Record<string, unknown> }>().paths);
    expect(
      [
        "/api/v1/trust-anchors",
        "/api/v1/chain",
        "/api/v1/chain/roots/{root}",
        "/api/v1/chain/revocations/{leaf}",
        "/api/v1/chain/issuers/{code}/certificates/{fingerprint}",
        "/api/v1/documents/{id}/supersession",
      ].filter((path) => !paths.includes(path)),
    ).toEqual([]);
  });
});
