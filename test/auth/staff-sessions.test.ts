/**
 * Staff assignments and sessions on both databases (PGlite always, PostgreSQL when reachable, always
 * under CI): migration 006's tables, the timeouts counted by the database, only hashes stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { randomSecret, sha256Hex } from "../../service/src/auth/secrets";
import { csrfMatches, endSession, sessionOf } from "../../service/src/auth/sessions";
import { assignStaff, assignmentsOf } from "../../service/src/auth/staff";
import { databaseBackends } from "../helpers/databases";

const POLICY = { idleSeconds: 1800, maxSeconds: 43_200 };
const PERSON = { issuer: "https://sso.example", subject: "gv-1" };

describe.each(await databaseBackends())("staff sessions on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await migrate(db);
    await db.query("INSERT INTO issuers (code, kind, name) VALUES ('S1', 'school', 'Trường S1')");
    await assignStaff(
      db,
      { ...PERSON, school: "S1", roles: ["homeroom"], classes: ["9A", "9B"] },
      { kind: "admin" },
    );
  });
  afterAll(async () => {
    await dispose?.();
  });

  async function newSession(): Promise<string> {
    const cookie = randomSecret();
    await db.query(
      "INSERT INTO staff_sessions (id_hash, issuer, subject, name, csrf_token) VALUES ($1, $2, $3, 'Cô Lan', 'csrf-1')",
      [sha256Hex(cookie), PERSON.issuer, PERSON.subject],
    );
    return cookie;
  }

  it("finds a session by its cookie's hash with the person's assignments, and checks its CSRF token", async () => {
    const cookie = await newSession();
    const session = await sessionOf(db, cookie, POLICY);
    expect(session).toEqual({
      ...PERSON,
      name: "Cô Lan",
      csrfToken: "csrf-1",
      assignments: [{ school: "S1", roles: ["homeroom"], classes: ["9A", "9B"] }],
      expiresAt: expect.any(Date) as unknown,
    });
    expect(csrfMatches(session, "csrf-1")).toBe(true);
    expect(csrfMatches(session, "csrf-2")).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(await assignmentsOf(db, PERSON)).toEqual(session.assignments);
  });

  it("ends a session after the idle timeout and after the absolute timeout, deleting it", async () => {
    for (const [column, past] of [
      ["last_seen_at", "31 minutes"],
      ["created_at", "13 hours"],
    ] as const) {
      const cookie = await newSession();
      await db.query(`UPDATE staff_sessions SET ${column} = now() - interval '${past}' WHERE id_hash = $1`, [
        sha256Hex(cookie),
      ]);
      await expect(sessionOf(db, cookie, POLICY)).rejects.toMatchObject({
        code: "SESSION_INVALID",
        message: "the session has expired: sign in again",
      });
      const { rowCount } = await db.query("SELECT 1 FROM staff_sessions WHERE id_hash = $1", [
        sha256Hex(cookie),
      ]);
      expect(rowCount).toBe(0);
    }
  });

  it("refuses a cookie that names no session, and one signed out", async () => {
    await expect(sessionOf(db, randomSecret(), POLICY)).rejects.toMatchObject({
      code: "SESSION_INVALID",
      message: "no such session: sign in again",
    });
    const cookie = await newSession();
    await endSession(db, cookie, PERSON);
    await expect(sessionOf(db, cookie, POLICY)).rejects.toMatchObject({ code: "SESSION_INVALID" });
  });
});
