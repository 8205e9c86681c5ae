/**
 * The graduate's walk against an outside OpenID Provider (the national identity provider's place),
 * over HTTP as the staff's outside-provider test does: a second oidc-provider on a port of its own,
 * configured only through the CITIZEN_OIDC_* settings — its own client id and secret, its own
 * scope and claim names — not the embedded provider. A graduate signs in there, sees only their
 * own records, makes a share link that verifies, signs out; another graduate cannot reach the
 * first one's record; a person the provider vouches for without a citizen ID gets no session
 * (docs/citizens.md).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disclose } from "../../service/src/core/documents/disclosure";
import { schoolTranscript } from "../helpers/credentials";
import { submitAnchoredTranscripts, type ListeningApp } from "../helpers/listening-app";
import { CITIZEN_PATHS, citizenSignedIn, HttpBrowser, startOutsideSignInApp } from "../helpers/staff";
import type { OutsideProvider } from "../helpers/staff";

const anyString = expect.any(String) as unknown;
const alice = schoolTranscript(1501);
const bob = schoolTranscript(1502);
/** The outside provider's own names for the citizen ID claim and its scope. */
const ID_CLAIM = "so_dinh_danh";
const GUARDIAN_CLAIM = "giam_ho_cua";

describe(
  "a graduate's records against an outside OpenID Provider configured through CITIZEN_OIDC_*",
  { timeout: 120_000 },
  () => {
    let api: ListeningApp;
    let outside: OutsideProvider;
    let base = "http://127.0.0.1:1";

    const signedIn = (login: string, password: string) => citizenSignedIn(base, login, password);
    const errorOf = async (res: Response) => [
      res.status,
      ((await res.json()) as { error: { code: string } }).error.code,
    ];

    beforeAll(async () => {
      ({ api, outside } = await startOutsideSignInApp(
        "citizens-outside",
        {
          accounts: [
            {
              username: "alice",
              password: "alice-vneid",
              name: alice.student.fullName,
              claims: { [ID_CLAIM]: alice.student.citizenId },
            },
            {
              username: "bob",
              password: "bob-vneid",
              name: bob.student.fullName,
              claims: { [ID_CLAIM]: bob.student.citizenId },
            },
            { username: "khach", password: "khach-vneid", name: "Khách không định danh" },
          ],
          clientId: "hocba-cong-dan",
          callback: CITIZEN_PATHS.callback,
          scopes: { dinhdanh: [ID_CLAIM, GUARDIAN_CLAIM] },
        },
        (issuer, clientSecret) => ({
          CITIZEN_OIDC_ISSUER_URL: issuer,
          CITIZEN_OIDC_CLIENT_ID: "hocba-cong-dan",
          CITIZEN_OIDC_CLIENT_SECRET: clientSecret,
          CITIZEN_OIDC_SCOPE: "openid profile dinhdanh",
          CITIZEN_ID_CLAIM: ID_CLAIM,
          CITIZEN_GUARDIAN_CLAIM: GUARDIAN_CLAIM,
        }),
        (composed) => {
          expect([composed.embedded, composed.signIn.idp, composed.citizenSignIn?.idp === undefined]).toEqual(
            [undefined, undefined, false],
          );
          return { citizenSignIn: composed.citizenSignIn!, pagesDir: null };
        },
      ));
      base = api.url;
      // The school's signer on the chain's allow list, as a registered school's certificate is.
      await submitAnchoredTranscripts(api, [alice, bob]);
    }, 300_000);
    afterAll(async () => {
      await api?.dispose();
      await outside?.close();
    });

    it("signs a graduate in at the outside provider, shows only their record, makes a share that verifies, and signs out", async () => {
      const start = await new HttpBrowser().fetch(`${base}${CITIZEN_PATHS.start}`);
      const authorize = new URL(start.headers.get("location")!);
      expect([
        authorize.origin,
        authorize.searchParams.get("client_id"),
        authorize.searchParams.get("scope"),
        authorize.searchParams.get("prompt"),
      ]).toEqual([outside.issuer, "hocba-cong-dan", "openid profile dinhdanh", "login"]);

      const { browser, csrf, me } = await signedIn("alice", "alice-vneid");
      expect({ ...me, records: me.records.map((r) => r.id) }).toEqual({
        name: alice.student.fullName,
        citizenId: `•••••••••${alice.student.citizenId.slice(-3)}`,
        guardianOf: [],
        csrfToken: anyString,
        expiresAt: anyString,
        records: [alice.id],
        shares: [],
      });

      const created = await browser.fetch(`${base}/api/v1/me/shares`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({
          documentId: alice.id,
          withhold: ["citizenId", "ethnicity"],
          expiresInDays: 7,
        }),
      });
      const { url } = (await created.json()) as { url: string };
      const opened = await fetch(decodeURIComponent(url.split("#credential=")[1]!));
      const credential = (await opened.json()) as { format: string; document: never; disclosures: string[] };
      const verdict = await api.app.inject({ method: "POST", url: "/api/v1/verify", payload: credential });
      expect([
        created.status,
        opened.status,
        disclose(credential.document, credential.disclosures).withheld,
        verdict.json<{ verdict: string }>().verdict,
      ]).toEqual([201, 200, ["/student/citizenId", "/student/ethnicity"], "valid"]);

      const out = await browser.fetch(`${base}/cua-toi/dang-xuat`, {
        method: "POST",
        headers: { "x-csrf-token": csrf },
      });
      const after = await browser.fetch(`${base}/api/v1/me/records`);
      expect([out.status, browser.cookies.has(CITIZEN_PATHS.sessionCookie), await errorOf(after)]).toEqual([
        204,
        false,
        [401, "UNAUTHORIZED"],
      ]);
    });

    it("shows another graduate only their own record: the first one's is not found, as an unknown id", async () => {
      const { browser, me } = await signedIn("bob", "bob-vneid");
      const theirs = await browser.fetch(`${base}/api/v1/me/records/${alice.id}/credential`);
      expect([me.records.map((r) => r.id), await errorOf(theirs)]).toEqual([[bob.id], [404, "NOT_FOUND"]]);
    });

    it("opens no session for a person the provider vouches for without a citizen ID (400 CITIZEN_ID_MISSING)", async () => {
      const browser = new HttpBrowser();
      const { callback } = await browser.signInUntilCallback(base, "khach", "khach-vneid", CITIZEN_PATHS);
      const res = await browser.fetch(callback);
      expect([await errorOf(res), browser.cookies.has(CITIZEN_PATHS.sessionCookie)]).toEqual([
        [400, "CITIZEN_ID_MISSING"],
        false,
      ]);
    });
  },
);
