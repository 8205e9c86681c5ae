/**
 * Staff sign-in and sessions (docs/staff-sign-in.md). A sign-in under way keeps its state, nonce
 * and PKCE verifier in `staff_logins`, found by the SHA-256 of a random pre-login cookie; the
 * callback may use it once (a replayed callback finds it used and is refused). A session is a
 * random 256-bit cookie whose SHA-256 is the row's key, with a CSRF token (synchronizer pattern),
 * an idle timeout (counted from the last request) and an absolute one (from sign-in). Signing in
 * again replaces the browser's previous session (rotation); signing out deletes the row.
 *
 * Citizens (docs/citizens.md) sign in through the same layer with their own OpenID client: their
 * logins and sessions are rows of the same tables with `audience` 'citizen', carrying the citizen
 * ID the provider vouched for (and the children's, for a guardian). A session of one audience is
 * never accepted as the other.
 */
import { HocbaError, isHocbaError } from "../core/errors";
import type { Database, SignedInPerson, StaffIdentityProvider } from "../issuance/ports";
import { audit } from "../issuance/stores/audit";
import { randomSecret, safeEqual, sha256Hex } from "./secrets";
import { assignmentsOf, staffActor, type StaffAssignment, type StaffPerson } from "./staff";

/** How long a sign-in may take between the start and the callback. */
export const LOGIN_TTL_SECONDS = 600;

export interface SessionPolicy {
  /** STAFF_SESSION_IDLE_MINUTES in seconds. */
  idleSeconds: number;
  /** STAFF_SESSION_MAX_HOURS in seconds. */
  maxSeconds: number;
}

/** A signed-in person as the routes see them. */
export interface StaffSession extends SignedInPerson {
  csrfToken: string;
  assignments: StaffAssignment[];
  /** When the session ends at the latest (absolute timeout). */
  expiresAt: Date;
  /** Set when the person acts through a device token (hocba sign-pending), not a browser session. */
  deviceTokenId?: string;
}

/** Who a sign-in is for: school staff (the workspace) or citizens (their own records). */
export type Audience = "staff" | "citizen";

/** Where a citizen sign-in finds the citizen ID (CITIZEN_ID_CLAIM) and a guardian's children. */
export interface CitizenClaimNames {
  idClaim: string;
  guardianClaim: string;
}

/** A signed-in citizen as the routes see them. */
export interface CitizenSession extends SignedInPerson {
  csrfToken: string;
  /** The 12-digit citizen ID the identity provider vouched for. */
  citizenId: string;
  /** The citizen IDs of the children the person is the guardian of (may be empty). */
  guardianOf: string[];
  expiresAt: Date;
}

const CITIZEN_ID = /^[0-9]{12}$/;

/** The citizen ID and guardian's children a provider's claims state; CITIZEN_ID_MISSING without an ID. */
export function citizenOf(
  person: SignedInPerson,
  names: CitizenClaimNames,
): { citizenId: string; guardianOf: string[] } {
  const id = person.claims?.[names.idClaim];
  if (typeof id !== "string" || !CITIZEN_ID.test(id))
    throw new HocbaError(
      "CITIZEN_ID_MISSING",
      `the identity provider sent no 12-digit citizen ID in the claim ${names.idClaim}`,
    );
  const children = person.claims?.[names.guardianClaim];
  const list = Array.isArray(children)
    ? children
    : typeof children === "string"
      ? children.split(/[\s,]+/)
      : [];
  const guardianOf = [
    ...new Set(list.filter((c): c is string => typeof c === "string" && CITIZEN_ID.test(c) && c !== id)),
  ];
  return { citizenId: id, guardianOf };
}

/** Starts a sign-in: the pre-login cookie value and where to send the browser. */
export async function beginLogin(
  db: Database,
  idp: StaffIdentityProvider,
  audience: Audience = "staff",
): Promise<{ loginCookie: string; url: string }> {
  const { url, secrets } = await idp.begin();
  const loginCookie = randomSecret();
  await db.query("DELETE FROM staff_logins WHERE created_at < now() - interval '1 day'");
  await db.query(
    "INSERT INTO staff_logins (id_hash, state, nonce, code_verifier, audience) VALUES ($1, $2, $3, $4, $5)",
    [sha256Hex(loginCookie), secrets.state, secrets.nonce, secrets.codeVerifier, audience],
  );
  return { loginCookie, url };
}

/**
 * Ends a sign-in at the callback: the login of this browser's pre-login cookie, used once, then the
 * provider's answer checked. Returns the new session's cookie value; `previousSession` (the
 * browser's session cookie, if any) is deleted.
 */
export async function finishLogin(
  db: Database,
  idp: StaffIdentityProvider,
  input: {
    loginCookie: string | undefined;
    callbackUrl: URL;
    previousSession?: string | undefined;
    /** A citizen sign-in: where its claims are (else a staff sign-in). */
    citizen?: CitizenClaimNames;
  },
): Promise<{ sessionCookie: string; person: SignedInPerson }> {
  const audience: Audience = input.citizen ? "citizen" : "staff";
  if (input.loginCookie === undefined)
    throw new HocbaError("LOGIN_INVALID", "no sign-in was started in this browser: start again");
  const { rows } = await db.query<{ state: string; nonce: string; code_verifier: string }>(
    `UPDATE staff_logins SET used_at = now()
      WHERE id_hash = $1 AND used_at IS NULL AND created_at > now() - $2 * interval '1 second'
        AND audience = $3
      RETURNING state, nonce, code_verifier`,
    [sha256Hex(input.loginCookie), LOGIN_TTL_SECONDS, audience],
  );
  const login = rows[0];
  if (!login)
    throw new HocbaError("LOGIN_INVALID", "this sign-in was already used or has expired: start again");
  const state = input.callbackUrl.searchParams.get("state");
  if (state === null || !safeEqual(sha256Hex(state), sha256Hex(login.state)))
    throw new HocbaError("LOGIN_INVALID", "the callback's state does not match this browser's sign-in");
  let person: SignedInPerson;
  try {
    person = await idp.finish(input.callbackUrl, {
      state: login.state,
      nonce: login.nonce,
      codeVerifier: login.code_verifier,
    });
  } catch (error) {
    if (isHocbaError(error)) throw error;
    throw new HocbaError("LOGIN_INVALID", `the sign-in was refused: ${(error as Error).message}`);
  }
  const citizen = input.citizen ? citizenOf(person, input.citizen) : undefined;
  const sessionCookie = randomSecret();
  await db.transaction(async (tx) => {
    if (input.previousSession !== undefined)
      await tx.query("DELETE FROM staff_sessions WHERE id_hash = $1 AND audience = $2", [
        sha256Hex(input.previousSession),
        audience,
      ]);
    await tx.query(
      `INSERT INTO staff_sessions (id_hash, issuer, subject, name, csrf_token, audience, citizen_id, guardian_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        sha256Hex(sessionCookie),
        person.issuer,
        person.subject,
        person.name,
        randomSecret(),
        audience,
        citizen?.citizenId ?? null,
        citizen?.guardianOf ?? [],
      ],
    );
    await audit(
      tx,
      citizen ? citizenActor(person) : staffActor(person),
      citizen ? "citizen.signed_in" : "staff.signed_in",
      person.issuer,
    );
  });
  return { sessionCookie, person };
}

/**
 * The session of a cookie, its last-seen time moved to now; SESSION_INVALID when there is no such
 * session (forged, signed out) or it has ended (idle or absolute timeout; the row is then deleted).
 */
export async function sessionOf(
  db: Database,
  sessionCookie: string,
  policy: SessionPolicy,
): Promise<StaffSession> {
  const row = await liveSession(db, sessionCookie, policy, "staff");
  const person = { issuer: row.issuer, subject: row.subject };
  return {
    ...person,
    name: row.name,
    csrfToken: row.csrf_token,
    assignments: await assignmentsOf(db, person),
    expiresAt: new Date(row.expires_at),
  };
}

/** The citizen session of a cookie, as `sessionOf` for staff (SESSION_INVALID the same way). */
export async function citizenSessionOf(
  db: Database,
  sessionCookie: string,
  policy: SessionPolicy,
): Promise<CitizenSession> {
  const row = await liveSession(db, sessionCookie, policy, "citizen");
  return {
    issuer: row.issuer,
    subject: row.subject,
    name: row.name,
    csrfToken: row.csrf_token,
    citizenId: row.citizen_id!,
    guardianOf: row.guardian_of,
    expiresAt: new Date(row.expires_at),
  };
}

async function liveSession(db: Database, sessionCookie: string, policy: SessionPolicy, audience: Audience) {
  const idHash = sha256Hex(sessionCookie);
  const { rows } = await db.query<{
    issuer: string;
    subject: string;
    name: string;
    csrf_token: string;
    citizen_id: string | null;
    guardian_of: string[];
    expires_at: Date;
  }>(
    `UPDATE staff_sessions SET last_seen_at = now()
      WHERE id_hash = $1 AND audience = $4 AND last_seen_at > now() - $2 * interval '1 second'
        AND created_at > now() - $3 * interval '1 second'
      RETURNING issuer, subject, name, csrf_token, citizen_id, guardian_of,
                created_at + $3 * interval '1 second' AS expires_at`,
    [idHash, policy.idleSeconds, policy.maxSeconds, audience],
  );
  const row = rows[0];
  if (!row) {
    const { rowCount } = await db.query("DELETE FROM staff_sessions WHERE id_hash = $1 AND audience = $2", [
      idHash,
      audience,
    ]);
    throw new HocbaError(
      "SESSION_INVALID",
      rowCount > 0 ? "the session has expired: sign in again" : "no such session: sign in again",
    );
  }
  return row;
}

/** How the audit log names a signed-in citizen (never by their citizen ID). */
export function citizenActor(person: StaffPerson): string {
  return `citizen:${person.subject}@${person.issuer}`;
}

/** Does the presented CSRF token match the session's? (constant time) */
export function csrfMatches(session: { csrfToken: string }, presented: string | undefined): boolean {
  return presented !== undefined && safeEqual(sha256Hex(presented), sha256Hex(session.csrfToken));
}

/** Signs out: deletes the session (audited). */
export async function endSession(
  db: Database,
  sessionCookie: string,
  session: StaffPerson,
  audience: Audience = "staff",
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("DELETE FROM staff_sessions WHERE id_hash = $1 AND audience = $2", [
      sha256Hex(sessionCookie),
      audience,
    ]);
    await audit(
      tx,
      audience === "citizen" ? citizenActor(session) : staffActor(session),
      audience === "citizen" ? "citizen.signed_out" : "staff.signed_out",
      session.issuer,
    );
  });
}
