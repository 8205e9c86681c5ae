/**
 * Races on submission, on real PostgreSQL (several connections, real concurrent transactions) and
 * on PGlite: the same document sent 8× at once, the same id with different content, concurrent
 * corrections of one document. Each request gets the answer docs/http-api.md gives — 202 for the
 * one stored, 200 with the same id for the same document again, 409 CONFLICT otherwise — and
 * never a 500; the database holds exactly what the 2xx answers promised.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import type { Transcript } from "../../service/src/core/documents";
import { signedItem } from "../helpers/app";
import { schoolTranscript } from "../helpers/credentials";
import { startBackendApp, type BackendApp } from "../helpers/backend-app";
import { databaseBackends } from "../helpers/databases";
import { withValue } from "../helpers/fixtures";
import { makeSchoolPki, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-races-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const AT_ONCE = 8;

let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

let seed = 74_000;

describe.each(backends)("submissions racing on $name", (backend) => {
  let db: Database;
  let t: BackendApp;
  beforeAll(async () => {
    t = await startBackendApp(backend, dir, { pki });
    db = t.db;
  }, 300_000);
  afterAll(async () => {
    await t?.dispose();
  });

  /** Sends every payload at once; the answers as [status, body], in order. */
  const atOnce = async (payloads: unknown[]) =>
    (
      await Promise.all(
        payloads.map((payload) =>
          t.app.inject({
            method: "POST",
            url: "/api/v1/transcripts",
            headers: { authorization: `Bearer ${t.schoolKey}` },
            payload: payload as Record<string, unknown>,
          }),
        ),
      )
    ).map((res: LightMyRequestResponse) => [res.statusCode, res.json<unknown>()] as const);
  const sorted = (answers: (readonly [number, unknown])[]) =>
    [...answers].sort((a, b) => a[0] - b[0] || JSON.stringify(a[1]).localeCompare(JSON.stringify(b[1])));
  const rowsOf = async (id: string) =>
    (
      await db.query<{ id: string; superseded_by: string | null }>(
        "SELECT id, superseded_by FROM documents WHERE id = $1",
        [id],
      )
    ).rows;

  it("stores the same document sent 8 times at once once: one 202, seven 200 with the same id", async () => {
    const item = await signedItem(pki, schoolTranscript(seed++));
    const answers = await atOnce(Array.from({ length: AT_ONCE }, () => item));
    const document = item.document as Transcript;
    const first = answers.find(([status]) => status === 202)?.[1] as { docHash: string };
    expect({ answers: sorted(answers), rows: await rowsOf(document.id) }).toEqual({
      answers: [
        ...Array.from({ length: AT_ONCE - 1 }, () => [
          200,
          { id: document.id, docHash: first.docHash, status: "pending" },
        ]),
        [202, { id: document.id, docHash: first.docHash, status: "pending" }],
      ],
      rows: [{ id: document.id, superseded_by: null }],
    });
  });

  it("stores one of 8 different documents sent at once with the same id: one 202, seven 409 CONFLICT", async () => {
    const base = schoolTranscript(seed++);
    const items = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) =>
        signedItem(pki, withValue(base, "/student/fullName", `Nguyễn Văn Thứ ${i + 1}`)),
      ),
    );
    const answers = await atOnce(items);
    const stored = answers.find(([status]) => status === 202)?.[1] as { docHash: string };
    const { rows } = await db.query<{ doc_hash: string }>("SELECT doc_hash FROM documents WHERE id = $1", [
      base.id,
    ]);
    expect({ answers: sorted(answers), rows }).toEqual({
      answers: [
        [202, { id: base.id, docHash: stored.docHash, status: "pending" }],
        ...Array.from({ length: AT_ONCE - 1 }, () => [
          409,
          {
            error: {
              code: "CONFLICT",
              message: `document id ${base.id} is already used by another document`,
            },
          },
        ]),
      ],
      rows: [{ doc_hash: stored.docHash }],
    });
  });

  it("lets one of 8 concurrent corrections of a document win: one 202, seven 409 naming the winner", async () => {
    const original = schoolTranscript(seed++);
    expect((await atOnce([await signedItem(pki, original)]))[0]![0]).toBe(202);
    const corrections = Array.from({ length: AT_ONCE }, () => ({
      ...schoolTranscript(seed++),
      supersedes: original.id,
    }));
    const answers = await atOnce(await Promise.all(corrections.map((c) => signedItem(pki, c))));
    const winner = (answers.find(([status]) => status === 202)?.[1] as { id: string }).id;
    expect({
      statuses: answers.map(([status]) => status).sort(),
      losers: answers.filter(([status]) => status !== 202).map(([, body]) => body),
      original: await rowsOf(original.id),
      stored: (
        await db.query<{ n: number }>("SELECT count(*) AS n FROM documents WHERE id = ANY($1::uuid[])", [
          corrections.map((c) => c.id),
        ])
      ).rows[0]!.n,
    }).toEqual({
      statuses: [202, ...Array.from({ length: AT_ONCE - 1 }, () => 409)],
      losers: Array.from({ length: AT_ONCE - 1 }, () => ({
        error: { code: "CONFLICT", message: `supersedes ${original.id}: already superseded by ${winner}` },
      })),
      original: [{ id: original.id, superseded_by: winner }],
      stored: 1,
    });
  });

  it("stores the same correction sent 8 times at once once: one 202, seven 200 with the same id", async () => {
    const original = schoolTranscript(seed++);
    expect((await atOnce([await signedItem(pki, original)]))[0]![0]).toBe(202);
    const correction = { ...schoolTranscript(seed++), supersedes: original.id };
    const item = await signedItem(pki, correction);
    const answers = await atOnce(Array.from({ length: AT_ONCE }, () => item));
    const docHash = (answers.find(([status]) => status === 202)?.[1] as { docHash: string }).docHash;
    expect({ answers: sorted(answers), original: await rowsOf(original.id) }).toEqual({
      answers: [
        ...Array.from({ length: AT_ONCE - 1 }, () => [
          200,
          { id: correction.id, docHash, status: "pending" },
        ]),
        [202, { id: correction.id, docHash, status: "pending" }],
      ],
      original: [{ id: original.id, superseded_by: correction.id }],
    });
  });
});
