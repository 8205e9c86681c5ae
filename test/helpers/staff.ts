/**
 * Staff sign-in for tests, with the real parts: the listening test API (test/helpers/listening-app.ts)
 * with the embedded OpenID Provider composed exactly as `hocba serve` composes it
 * (server/staff-sign-in.ts: data/demo/staff.json, keys under DATA_DIR/idp), or configured through
 * OIDC_ISSUER_URL against a second oidc-provider on a port of its own. `HttpBrowser` follows a
 * sign-in over plain HTTP with a cookie jar, filling the provider's login form as a person would.
 */
import http from "node:http";
import type { Browser, Page } from "playwright-core";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../service/src/config/config";
import {
  newProviderKeys,
  openIdProvider,
  type OpenIdProvider,
  type ProviderAccount,
} from "../../service/src/adapters/oidc/provider";
import { randomSecret, sha256Hex } from "../../service/src/auth/secrets";
import type { Database } from "../../service/src/adapters/db/database";
import { composeStaffSignIn, type DemoCitizen, type DemoStaff } from "../../service/src/server/staff-sign-in";
import { SCHOOL_CODE } from "./pki";
import { tempDir } from "./files";
import { startListeningApp, type ListeningApp, type ListeningAppOptions } from "./listening-app";

export interface StaffApp {
  api: ListeningApp;
  /** The demo staff as written to staff.json (with their passwords). */
  staff: DemoStaff[];
  /** The embedded provider's issuer URL. */
  issuer: string;
  dispose(): Promise<void>;
}

/** Random passwords for `people`. */
function withPasswords(people: Omit<DemoStaff, "password">[]): DemoStaff[] {
  return people.map((p) => ({ ...p, password: randomSecret().slice(0, 12) }));
}

/** A demo citizen who is the student of `transcript`: their name and citizen ID, signing in as `username`. */
export function studentCitizen(
  username: string,
  password: string,
  transcript: { student: { fullName: string; citizenId: string } },
): DemoCitizen {
  return { username, password, name: transcript.student.fullName, citizenId: transcript.student.citizenId };
}

/** The demo school's staff, plus a clerk of the test school (79000701) and one without any role. */
export const TEST_STAFF: Omit<DemoStaff, "password">[] = [
  { username: "giaovu", name: "Trần Thị Mai", school: "DEMO01", roles: ["clerk"] },
  { username: "gvcn9a", name: "Lê Văn Hùng", school: "DEMO01", roles: ["homeroom"], classes: ["9A1"] },
  { username: "hieutruong", name: "Phạm Thị Lan", school: "DEMO01", roles: ["principal", "school-admin"] },
  { username: "vanthu", name: "Đỗ Minh Tuấn", school: "DEMO01", roles: ["seal"] },
  { username: "canboso", name: "Hoàng Thu Hà", school: "DEMOSO", roles: ["department"] },
  { username: "giaovu2", name: "Vũ Văn Nam", school: SCHOOL_CODE, roles: ["clerk"] },
];

/**
 * The listening test API with the embedded provider at /idp, its staff.json written first (so the
 * test knows the passwords), DEMO01 registered as a school, the staff assigned as at a start.
 */
export async function startStaffApp(
  label: string,
  options: ListeningAppOptions & {
    env?: Record<string, string>;
    /** Written to citizens.json (the embedded provider's demo citizens); default none. */
    citizens?: DemoCitizen[];
  } = {},
): Promise<StaffApp> {
  const tmp = tempDir(label);
  const dataDir = tmp.path("data");
  const demoDir = path.join(dataDir, "demo");
  mkdirSync(demoDir, { recursive: true });
  const staff = withPasswords(TEST_STAFF);
  writeFileSync(path.join(demoDir, "staff.json"), JSON.stringify(staff, null, 2), { mode: 0o600 });
  writeFileSync(path.join(demoDir, "citizens.json"), JSON.stringify(options.citizens ?? [], null, 2), {
    mode: 0o600,
  });
  const config = loadConfig({ DATA_DIR: dataDir, DEMO: "on", ...options.env });
  let base = "http://127.0.0.1:1";
  const composed = composeStaffSignIn(config, demoDir, () => base);
  const api = await startListeningApp(label, {
    ...options,
    staffSignIn: composed.signIn,
    ...(composed.citizenSignIn ? { citizenSignIn: composed.citizenSignIn } : {}),
  });
  base = api.url;
  await api.db.query(
    "INSERT INTO issuers (code, kind, name) VALUES ('DEMO01', 'school', 'Trường THCS Demo')",
  );
  const issuer = await composed.embedded!.start(api.db);
  return {
    api,
    staff,
    issuer,
    dispose: async () => {
      await api.dispose();
      tmp.dispose();
    },
  };
}

/**
 * An "outside" OpenID Provider: oidc-provider on its own HTTP server (127.0.0.1, a random port),
 * for staff (OIDC_ISSUER_URL) or citizens (CITIZEN_OIDC_ISSUER_URL, with `scopes` releasing the
 * citizen ID claim).
 */
export async function startOutsideProvider(
  accounts: ProviderAccount[],
  client: { clientId: string; clientSecret: string; redirectUri: () => string },
  /** Scopes beyond `openid profile` and the claims each releases (e.g. a national ID's). */
  scopes?: Record<string, string[]>,
): Promise<{ issuer: string; start(): void; close(): Promise<void> }> {
  let provider: OpenIdProvider | undefined;
  const server = http.createServer((req, res) => {
    if (provider) provider.handle(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    start() {
      provider = openIdProvider({
        issuer,
        accounts,
        clients: [
          {
            clientId: client.clientId,
            clientSecret: client.clientSecret,
            redirectUris: [client.redirectUri()],
          },
        ],
        keys: newProviderKeys(),
        ...(scopes ? { scopes } : {}),
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type OutsideProvider = Awaited<ReturnType<typeof startOutsideProvider>>;

/**
 * The listening test API signing people in at an outside provider (startOutsideProvider) configured
 * only through the settings, composed as `hocba serve` composes them (no embedded provider, no
 * DATA_DIR): `settings(issuer, clientSecret)` names the provider and the client, `options(composed)`
 * gives the API what it takes of the composed sign-in. The provider answers once the API listens
 * (its client's redirect URI is the API's `callback`).
 */
export async function startOutsideSignInApp(
  label: string,
  provider: {
    accounts: ProviderAccount[];
    clientId: string;
    callback: string;
    /** Scopes beyond `openid profile` and the claims each releases. */
    scopes?: Record<string, string[]>;
  },
  settings: (issuer: string, clientSecret: string) => Record<string, string>,
  options: (composed: ReturnType<typeof composeStaffSignIn>) => ListeningAppOptions,
): Promise<{ api: ListeningApp; outside: OutsideProvider }> {
  let base = "http://127.0.0.1:1";
  const clientSecret = randomSecret();
  const outside = await startOutsideProvider(
    provider.accounts,
    { clientId: provider.clientId, clientSecret, redirectUri: () => `${base}${provider.callback}` },
    provider.scopes,
  );
  const config = loadConfig({
    DATA_DIR: "/nonexistent-not-used",
    DEMO: "off",
    ADMIN_TOKEN: "x",
    ...settings(outside.issuer, clientSecret),
  });
  const composed = composeStaffSignIn(config, undefined, () => base);
  const api = await startListeningApp(label, options(composed));
  base = api.url;
  outside.start();
  return { api, outside };
}

/** Where a sign-in starts and comes back, and its cookies. */
export interface SignInPaths {
  start: string;
  callback: string;
  loginCookie: string;
  sessionCookie: string;
}
export const STAFF_PATHS: SignInPaths = {
  start: "/truong/dang-nhap",
  callback: "/auth/callback",
  loginCookie: "hocba_login",
  sessionCookie: "hocba_session",
};
export const CITIZEN_PATHS: SignInPaths = {
  start: "/cua-toi/dang-nhap",
  callback: "/auth/citizen/callback",
  loginCookie: "hocba_citizen_login",
  sessionCookie: "hocba_citizen_session",
};

/** A cookie jar over fetch, following no redirect by itself (like a browser, minus paths). */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has("cookie"))
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === "" || /expires=thu, 01 jan 1970/i.test(line) || /max-age=0\b/i.test(line))
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /**
   * Starts a sign-in at `base`, follows the redirects to the provider's login form, fills `login`
   * and `password`, and follows on until the provider sends the browser to the callback. Returns
   * the callback URL (not yet requested) and the pre-login cookie.
   */
  async signInUntilCallback(
    base: string,
    login: string,
    password: string,
    flow: SignInPaths = STAFF_PATHS,
  ): Promise<{ callback: string; loginCookie: string }> {
    let response = await this.fetch(`${base}${flow.start}`);
    if (response.status !== 302)
      throw new Error(`sign-in start: ${response.status} ${await response.text()}`);
    const loginCookie = this.cookies.get(flow.loginCookie)!;
    let url = new URL(response.headers.get("location")!, base).href;
    for (let hops = 0; hops < 10; hops++) {
      if (url.startsWith(`${base}${flow.callback}`)) return { callback: url, loginCookie };
      if (/\/interaction\/[^/]+$/.test(new URL(url).pathname)) {
        const form = await this.fetch(url);
        const html = await form.text();
        const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
        if (!action) throw new Error(`no login form at ${url}: ${html.slice(0, 200)}`);
        response = await this.fetch(new URL(action, url).href, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ login, password }).toString(),
        });
        if (response.status === 200) throw new Error("the provider refused the password");
      } else response = await this.fetch(url);
      const location = response.headers.get("location");
      if (!location) throw new Error(`stuck at ${url}: ${response.status}`);
      url = new URL(location, url).href;
    }
    throw new Error("too many redirects");
  }

  /** Signs in completely; returns the session cookie. */
  async signIn(
    base: string,
    login: string,
    password: string,
    flow: SignInPaths = STAFF_PATHS,
  ): Promise<string> {
    const { callback } = await this.signInUntilCallback(base, login, password, flow);
    const response = await this.fetch(callback);
    if (response.status !== 303) throw new Error(`callback: ${response.status} ${await response.text()}`);
    return this.cookies.get(flow.sessionCookie)!;
  }
}

/**
 * A citizen signed in at `base` (CITIZEN_PATHS) as `login`: their browser, their CSRF token and
 * what GET /api/v1/me/records answered them.
 */
export async function citizenSignedIn(base: string, login: string, password: string) {
  const browser = new HttpBrowser();
  await browser.signIn(base, login, password, CITIZEN_PATHS);
  const me = await browser.fetch(`${base}/api/v1/me/records`);
  const body = (await me.json()) as { csrfToken: string; records: { id: string }[] };
  return { browser, csrf: body.csrfToken, me: body };
}

/** A signed-in person for route tests that are not about the sign-in itself. */
export interface TestSession {
  cookie: string;
  csrf: string;
  /** Headers of a request of this session: the cookie, and the CSRF token unless told. */
  headers(withCsrf?: boolean): Record<string, string>;
}

/**
 * Assigns `person` their roles at `school` and opens a session for them directly in the database,
 * as a completed sign-in would (auth/sessions.ts finishLogin): the cookie's SHA-256 is the key.
 */
export async function sessionFor(
  db: Database,
  person: { subject: string; name: string; school: string; roles: string[]; classes?: string[] },
  issuer = "https://idp.test.invalid",
): Promise<TestSession> {
  await db.query(
    `INSERT INTO staff_assignments (issuer, subject, scope_code, roles, classes, created_by)
     VALUES ($1, $2, $3, $4, $5, 'test')
     ON CONFLICT (issuer, subject, scope_code) DO UPDATE SET roles = EXCLUDED.roles, classes = EXCLUDED.classes`,
    [issuer, person.subject, person.school, person.roles, person.classes ?? []],
  );
  const cookie = randomSecret();
  const csrf = randomSecret();
  await db.query(
    "INSERT INTO staff_sessions (id_hash, issuer, subject, name, csrf_token) VALUES ($1, $2, $3, $4, $5)",
    [sha256Hex(cookie), issuer, person.subject, person.name, csrf],
  );
  return {
    cookie,
    csrf,
    headers: (withCsrf = true) => ({
      cookie: `hocba_session=${cookie}`,
      ...(withCsrf ? { "x-csrf-token": csrf } : {}),
    }),
  };
}

/** The session policy of route tests: an hour idle, a day in all. */
export const TEST_SESSION_POLICY = { idleSeconds: 3600, maxSeconds: 86_400 };

/** A page of Chromium, with the page errors it raised (a test expects none). */
export type StaffPage = Page & { problems: string[] };

/**
 * Signs `username` in on /truong in a fresh Chromium context, as a person would: the sign-in
 * button, the embedded provider's login form (`login`, `password`), back on /truong.
 */
export async function signInOnPage(
  browser: Browser,
  s: StaffApp,
  username: string,
  width = 1280,
): Promise<StaffPage> {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    locale: "vi-VN",
    acceptDownloads: true,
  });
  const page = (await context.newPage()) as StaffPage;
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(error.message));
  await page.goto(`${s.api.url}/truong`);
  await page.click('[data-testid="sign-in"]');
  await page.fill("input[name=login]", username);
  await page.fill("input[name=password]", s.staff.find((p) => p.username === username)!.password);
  await page.click("button[type=submit]");
  await page.waitForURL(`${s.api.url}/truong`);
  await page.locator('[data-testid="person-name"]').waitFor();
  return page;
}

/** The `data-status` of each document the page lists, in order. */
export function documentStatuses(page: Page): Promise<(string | null)[]> {
  return page
    .locator('[data-testid="document"]')
    .evaluateAll((items) => items.map((i) => i.getAttribute("data-status")));
}
