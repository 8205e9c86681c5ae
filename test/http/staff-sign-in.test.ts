/**
 * Staff sign-in over HTTP against real OpenID Providers (oidc-provider) through openid-client:
 * the embedded provider at /idp as `hocba serve` composes it, and an outside provider on a port of
 * its own configured through OIDC_ISSUER_URL. Sessions, CSRF, replayed callbacks, roles and the
 * department's view, with every refusal's coded error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/src/config/config";
import { randomSecret } from "../../service/src/auth/secrets";
import { composeStaffSignIn } from "../../service/src/server/staff-sign-in";
import { makeTranscript } from "../helpers/fixtures";
import { issueCredentials } from "../helpers/app";
import type { ListeningApp } from "../helpers/listening-app";
import { SCHOOL_CODE } from "../helpers/pki";
import {
  HttpBrowser,
  startOutsideSignInApp,
  startStaffApp,
  type OutsideProvider,
  type StaffApp,
} from "../helpers/staff";

const SCHOOL = { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" } as const;

describe("staff sign-in with the embedded OpenID Provider", { timeout: 120_000 }, () => {
  let s: StaffApp;
  const password = (username: string) => s.staff.find((p) => p.username === username)!.password;
  const signedIn = async (username: string) => {
    const browser = new HttpBrowser();
    await browser.signIn(s.api.url, username, password(username));
    return browser;
  };
  const me = async (browser: HttpBrowser) => {
    const res = await browser.fetch(`${s.api.url}/api/v1/staff/me`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    s = await startStaffApp("staff-sign-in");
    // One anchored document of the test school, for the department's counts.
    await issueCredentials(s.api, s.api.pki, [makeTranscript({ seed: 1, school: SCHOOL })]);
  }, 400_000);
  afterAll(async () => {
    await s?.dispose();
  });

  it("signs the demo clerk in with PKCE and shows their name, school and roles", async () => {
    const browser = await signedIn("giaovu");
    const { status, body } = await me(browser);
    expect(status).toBe(200);
    expect(body).toEqual({
      name: "Trần Thị Mai",
      issuer: s.issuer,
      subject: "giaovu",
      assignments: [{ school: "DEMO01", roles: ["clerk"], classes: [] }],
      csrfToken: expect.any(String) as unknown,
      expiresAt: expect.any(String) as unknown,
    });
    const { rows } = await s.api.db.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_log WHERE action = 'staff.signed_in' AND actor LIKE 'staff:giaovu@%'",
    );
    expect(rows).toEqual([{ action: "staff.signed_in", actor: `staff:giaovu@${s.issuer}` }]);
  });

  it("sends the sign-in to the provider with S256 PKCE, state and nonce, and a pre-login cookie", async () => {
    const browser = new HttpBrowser();
    const res = await browser.fetch(`${s.api.url}/truong/dang-nhap`);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get("location")!);
    expect(`${url.origin}${url.pathname}`).toBe(`${s.issuer}/auth`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("hocba_login="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/auth\/callback/);
    expect(cookie).not.toMatch(/Secure/); // the public URL is http here
    // Only a hash of the cookie is stored.
    const { rowCount } = await s.api.db.query("SELECT 1 FROM staff_logins WHERE id_hash = $1", [
      browser.cookies.get("hocba_login"),
    ]);
    expect(rowCount).toBe(0);
  });

  it("sets the session cookie httpOnly and SameSite=Lax, keeps only its hash, and rotates it at a new sign-in", async () => {
    const browser = new HttpBrowser();
    const { callback } = await browser.signInUntilCallback(s.api.url, "vanthu", password("vanthu"));
    const res = await browser.fetch(callback);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/truong");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("hocba_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const first = browser.cookies.get("hocba_session")!;
    const stored = await s.api.db.query("SELECT 1 FROM staff_sessions WHERE id_hash = $1", [first]);
    expect(stored.rowCount).toBe(0);
    const second = await browser.signIn(s.api.url, "vanthu", password("vanthu"));
    expect(second).not.toBe(first);
    const old = await new HttpBrowser().fetch(`${s.api.url}/api/v1/staff/me`, {
      headers: { cookie: `hocba_session=${first}` },
    });
    expect(old.status).toBe(401);
    expect(await old.json()).toEqual({
      error: { code: "SESSION_INVALID", message: "no such session: sign in again" },
    });
  });

  it("refuses a replayed callback, even with the original pre-login cookie", async () => {
    const browser = new HttpBrowser();
    const { callback, loginCookie } = await browser.signInUntilCallback(
      s.api.url,
      "giaovu",
      password("giaovu"),
    );
    expect((await browser.fetch(callback)).status).toBe(303);
    const replay = await new HttpBrowser().fetch(callback, {
      headers: { cookie: `hocba_login=${loginCookie}` },
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({
      error: { code: "LOGIN_INVALID", message: "this sign-in was already used or has expired: start again" },
    });
  });

  it("refuses a callback without this browser's pre-login cookie, and one whose state is not the browser's", async () => {
    const victim = new HttpBrowser();
    const { callback } = await victim.signInUntilCallback(s.api.url, "giaovu", password("giaovu"));
    const noCookie = await new HttpBrowser().fetch(callback);
    expect(noCookie.status).toBe(400);
    expect(await noCookie.json()).toEqual({
      error: { code: "LOGIN_INVALID", message: "no sign-in was started in this browser: start again" },
    });
    // An attacker's own sign-in started, then the victim's code delivered to it (login CSRF).
    const attacker = new HttpBrowser();
    await attacker.fetch(`${s.api.url}/truong/dang-nhap`);
    const swapped = await attacker.fetch(callback);
    expect(swapped.status).toBe(400);
    expect(await swapped.json()).toEqual({
      error: { code: "LOGIN_INVALID", message: "the callback's state does not match this browser's sign-in" },
    });
  });

  it("refuses a wrong password at the provider's login form", async () => {
    await expect(new HttpBrowser().signIn(s.api.url, "giaovu", "not-the-password")).rejects.toThrow(
      "the provider refused the password",
    );
  });

  it("answers 401 SESSION_INVALID to a forged session cookie and 401 UNAUTHORIZED without one", async () => {
    const forged = await new HttpBrowser().fetch(`${s.api.url}/api/v1/staff/me`, {
      headers: { cookie: `hocba_session=${randomSecret()}` },
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({
      error: { code: "SESSION_INVALID", message: "no such session: sign in again" },
    });
    const none = await new HttpBrowser().fetch(`${s.api.url}/api/v1/staff/me`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: { code: "UNAUTHORIZED", message: "sign in first (/truong/dang-nhap)" },
    });
  });

  it("refuses a state-changing request without the session's CSRF token (403 CSRF_INVALID), then signs out with it", async () => {
    const browser = await signedIn("giaovu");
    const csrf = (await me(browser)).body.csrfToken as string;
    const message = "a state-changing request with a session needs the session's CSRF token in x-csrf-token";
    const missing = await browser.fetch(`${s.api.url}/truong/dang-xuat`, { method: "POST" });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ error: { code: "CSRF_INVALID", message } });
    const wrong = await browser.fetch(`${s.api.url}/truong/dang-xuat`, {
      method: "POST",
      headers: { "x-csrf-token": randomSecret() },
    });
    expect(await wrong.json()).toEqual({ error: { code: "CSRF_INVALID", message } });
    const session = browser.cookies.get("hocba_session")!;
    const out = await browser.fetch(`${s.api.url}/truong/dang-xuat`, {
      method: "POST",
      headers: { "x-csrf-token": csrf },
    });
    expect(out.status).toBe(204);
    expect(browser.cookies.has("hocba_session")).toBe(false);
    const after = await new HttpBrowser().fetch(`${s.api.url}/api/v1/staff/me`, {
      headers: { cookie: `hocba_session=${session}` },
    });
    expect(after.status).toBe(401);
  });

  it("ends a session idle for longer than the idle timeout, and one older than the absolute timeout", async () => {
    for (const column of ["last_seen_at", "created_at"]) {
      const browser = await signedIn("gvcn9a");
      expect((await me(browser)).status).toBe(200);
      const past = column === "last_seen_at" ? "31 minutes" : "12 hours 1 minute";
      await s.api.db.query(
        `UPDATE staff_sessions SET ${column} = now() - interval '${past}' WHERE subject = 'gvcn9a'`,
      );
      expect(await me(browser)).toEqual({
        status: 401,
        body: { error: { code: "SESSION_INVALID", message: "the session has expired: sign in again" } },
      });
      const { rowCount } = await s.api.db.query("SELECT 1 FROM staff_sessions WHERE subject = 'gvcn9a'");
      expect(rowCount).toBe(0);
    }
  });

  it("shows a department officer every school's counts by state, and no personal data", async () => {
    const browser = await signedIn("canboso");
    const res = await browser.fetch(`${s.api.url}/api/v1/department/progress`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      schools: [
        {
          code: SCHOOL_CODE,
          name: `Trường ${SCHOOL_CODE}`,
          counts: { pending: 0, anchored: 1, revoked: 0, superseded: 0 },
          total: 1,
        },
        {
          code: "DEMO01",
          name: "Trường THCS Demo",
          counts: { pending: 0, anchored: 0, revoked: 0, superseded: 0 },
          total: 0,
        },
      ].sort((a, b) => a.code.localeCompare(b.code)),
      states: ["pending", "anchored", "revoked", "superseded"],
    });
    const { rows } = await s.api.db.query<{ actor: string }>(
      "SELECT actor FROM audit_log WHERE action = 'department.progress_viewed'",
    );
    expect(rows).toEqual([{ actor: `staff:canboso@${s.issuer}` }]);
  });

  it("keeps a clerk of another school out of DEMO01 and out of the department's view", async () => {
    const browser = await signedIn("giaovu2");
    const staff = await browser.fetch(`${s.api.url}/api/v1/schools/DEMO01/staff`);
    expect(staff.status).toBe(403);
    expect(await staff.json()).toEqual({
      error: { code: "FORBIDDEN", message: "this needs one of the roles school-admin" },
    });
    const progress = await browser.fetch(`${s.api.url}/api/v1/department/progress`);
    expect(await progress.json()).toEqual({
      error: { code: "FORBIDDEN", message: "this needs one of the roles department" },
    });
    // A session cookie opens no API-key route: the transcripts API wants a bearer key.
    const transcripts = await browser.fetch(`${s.api.url}/api/v1/transcripts/${crypto.randomUUID()}`);
    expect(transcripts.status).toBe(401);
  });

  it("lets DEMO01's school-admin list and change DEMO01's staff (with CSRF), and nothing of another school", async () => {
    const browser = await signedIn("hieutruong");
    const csrf = (await me(browser)).body.csrfToken as string;
    const list = await browser.fetch(`${s.api.url}/api/v1/schools/DEMO01/staff`);
    expect(list.status).toBe(200);
    const listed = ((await list.json()) as { staff: { subject: string; roles: string[] }[] }).staff;
    expect(listed.map((p) => [p.subject, p.roles])).toEqual([
      ["giaovu", ["clerk"]],
      ["gvcn9a", ["homeroom"]],
      ["hieutruong", ["principal", "school-admin"]],
      ["vanthu", ["seal"]],
    ]);
    const body = JSON.stringify({
      issuer: s.issuer,
      subject: "gvcn9b",
      roles: ["homeroom"],
      classes: ["9B"],
    });
    const headers = { "content-type": "application/json" };
    const noCsrf = await browser.fetch(`${s.api.url}/api/v1/schools/DEMO01/staff`, {
      method: "PUT",
      headers,
      body,
    });
    expect(noCsrf.status).toBe(403);
    const put = await browser.fetch(`${s.api.url}/api/v1/schools/DEMO01/staff`, {
      method: "PUT",
      headers: { ...headers, "x-csrf-token": csrf },
      body,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({
      issuer: s.issuer,
      subject: "gvcn9b",
      school: "DEMO01",
      roles: ["homeroom"],
      classes: ["9B"],
      label: null,
      createdBy: `staff:hieutruong@${s.issuer}`,
      updatedAt: expect.any(String) as unknown,
    });
    const other = await browser.fetch(`${s.api.url}/api/v1/schools/${SCHOOL_CODE}/staff`);
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({
      error: {
        code: "FORBIDDEN",
        message: `only the admin or a school-admin of ${SCHOOL_CODE} may manage its staff`,
      },
    });
    const department = await browser.fetch(`${s.api.url}/api/v1/schools/DEMO01/staff`, {
      method: "PUT",
      headers: { ...headers, "x-csrf-token": csrf },
      body: JSON.stringify({ issuer: s.issuer, subject: "x", roles: ["department"] }),
    });
    expect(await department.json()).toEqual({
      error: { code: "FORBIDDEN", message: "only the admin gives the department role" },
    });
    const removed = await browser.fetch(
      `${s.api.url}/api/v1/schools/DEMO01/staff?${new URLSearchParams({ issuer: s.issuer, subject: "gvcn9b" })}`,
      { method: "DELETE", headers: { "x-csrf-token": csrf } },
    );
    expect(removed.status).toBe(204);
    const { rows } = await s.api.db.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_log WHERE action IN ('staff.assigned', 'staff.unassigned') AND details->>'subject' = 'gvcn9b' ORDER BY id",
    );
    expect(rows).toEqual([
      { action: "staff.assigned", actor: `staff:hieutruong@${s.issuer}` },
      { action: "staff.unassigned", actor: `staff:hieutruong@${s.issuer}` },
    ]);
  });

  it("lets the admin assign with the admin token, and refuses bad assignments with coded errors", async () => {
    const admin = { authorization: `Bearer ${s.api.adminToken}`, "content-type": "application/json" };
    const put = (school: string, payload: Record<string, unknown>) =>
      s.api.app.inject({ method: "PUT", url: `/api/v1/schools/${school}/staff`, headers: admin, payload });
    const ok = await put("DEMO01", {
      issuer: "https://sso.example",
      subject: "u1",
      roles: ["clerk"],
      label: "Cô Mai",
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ createdBy: "admin", label: "Cô Mai", roles: ["clerk"] });
    expect((await put("NOSUCH", { issuer: "i", subject: "u", roles: ["clerk"] })).json()).toEqual({
      error: { code: "NOT_FOUND", message: "no school NOSUCH is registered" },
    });
    expect((await put("DEMO01", { issuer: "i", subject: "u", roles: ["homeroom"] })).json()).toEqual({
      error: {
        code: "SCHEMA_INVALID",
        message: "the assignment is not valid",
        details: [{ path: "/classes", message: "a homeroom teacher needs their classes" }],
      },
    });
    expect((await put("DEMO01", { issuer: "i", subject: "u", roles: ["janitor"] })).statusCode).toBe(400);
    const gone = await s.api.app.inject({
      method: "DELETE",
      url: "/api/v1/schools/DEMO01/staff?issuer=i&subject=nobody",
      headers: { authorization: admin.authorization },
    });
    expect(gone.json()).toEqual({ error: { code: "NOT_FOUND", message: "nobody has no roles at DEMO01" } });
    const school = await s.api.app.inject({
      method: "GET",
      url: "/api/v1/schools/DEMO01/staff",
      headers: { authorization: `Bearer ${s.api.schoolKey}` },
    });
    expect(school.statusCode).toBe(403);
  });
});

describe(
  "staff sign-in against an outside OpenID Provider configured through the settings",
  { timeout: 120_000 },
  () => {
    let api: ListeningApp;
    let outside: OutsideProvider;

    beforeAll(async () => {
      ({ api, outside } = await startOutsideSignInApp(
        "staff-outside",
        {
          accounts: [{ username: "nv.an", password: "mat-khau-an", name: "Nguyễn Văn An" }],
          clientId: "hocba-test",
          callback: "/auth/callback",
        },
        (issuer, clientSecret) => ({
          OIDC_ISSUER_URL: issuer,
          OIDC_CLIENT_ID: "hocba-test",
          OIDC_CLIENT_SECRET: clientSecret,
        }),
        (composed) => {
          expect(composed.embedded).toBeUndefined();
          return { staffSignIn: composed.signIn };
        },
      ));
    });
    afterAll(async () => {
      await api?.dispose();
      await outside?.close();
    });

    it("signs a person in at the outside provider and gives them the roles the admin assigned", async () => {
      const assign = await api.app.inject({
        method: "PUT",
        url: `/api/v1/schools/${SCHOOL_CODE}/staff`,
        headers: { authorization: `Bearer ${api.adminToken}` },
        payload: { issuer: outside.issuer, subject: "nv.an", roles: ["principal"] },
      });
      expect(assign.statusCode).toBe(200);
      const browser = new HttpBrowser();
      const start = await browser.fetch(`${api.url}/truong/dang-nhap`);
      expect(new URL(start.headers.get("location")!).origin).toBe(outside.issuer);
      await browser.signIn(api.url, "nv.an", "mat-khau-an");
      const res = await browser.fetch(`${api.url}/api/v1/staff/me`);
      expect(await res.json()).toEqual({
        name: "Nguyễn Văn An",
        issuer: outside.issuer,
        subject: "nv.an",
        assignments: [{ school: SCHOOL_CODE, roles: ["principal"], classes: [] }],
        csrfToken: expect.any(String) as unknown,
        expiresAt: expect.any(String) as unknown,
      });
    });

    it("refuses a replayed callback from the outside provider", async () => {
      const browser = new HttpBrowser();
      const { callback, loginCookie } = await browser.signInUntilCallback(api.url, "nv.an", "mat-khau-an");
      expect((await browser.fetch(callback)).status).toBe(303);
      const replay = await new HttpBrowser().fetch(callback, {
        headers: { cookie: `hocba_login=${loginCookie}` },
      });
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as { error: { code: string } }).error.code).toBe("LOGIN_INVALID");
    });

    it("answers 503 SIGN_IN_UNAVAILABLE when the outside provider cannot be reached", async () => {
      const config = loadConfig({
        DATA_DIR: "/nonexistent-not-used",
        DEMO: "off",
        ADMIN_TOKEN: "x",
        OIDC_ISSUER_URL: "http://127.0.0.1:9/",
        OIDC_CLIENT_ID: "c",
      });
      const { signIn } = composeStaffSignIn(config, undefined, () => api.url);
      await expect(signIn.idp!.begin()).rejects.toMatchObject({ code: "SIGN_IN_UNAVAILABLE" });
    });
  },
);
