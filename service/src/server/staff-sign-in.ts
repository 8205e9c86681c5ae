/**
 * Staff sign-in as the configuration selects it (docs/staff-sign-in.md):
 *   OIDC_ISSUER_URL set → that OpenID Provider (the sector's SSO), client OIDC_CLIENT_ID/SECRET
 *   else, with DEMO    → the embedded OpenID Provider at <public URL>/idp, its demo staff in
 *                        DATA_DIR/demo/staff.json, its keys and client secret in DATA_DIR/idp
 *   else               → no sign-in (the routes answer SIGN_IN_UNAVAILABLE)
 * The embedded provider needs the address the server listens on, so it starts after `listen`
 * (`start`); until then its routes answer 503.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Config } from "../config/config";
import { openIdClient } from "../adapters/oidc/client";
import { openIdProvider, providerKeys, type OpenIdProvider } from "../adapters/oidc/provider";
import { randomSecret } from "../auth/secrets";
import { assignStaff, assignmentsOf, type StaffRole } from "../auth/staff";
import type { StaffSignIn } from "../http/services";
import type { Database } from "../issuance/ports";

/** One demo staff member of data/demo/staff.json. */
export interface DemoStaff {
  username: string;
  password: string;
  name: string;
  school: string;
  roles: StaffRole[];
  classes?: string[];
}

/** The department code the demo department officer is assigned to. */
export const DEMO_DEPARTMENT = "DEMOSO";
const CLIENT_ID = "hocba";
export const EMBEDDED_PREFIX = "/idp";

const DEMO_STAFF: Omit<DemoStaff, "password">[] = [
  { username: "giaovu", name: "Trần Thị Mai", school: "DEMO01", roles: ["clerk"] },
  { username: "gvcn9a", name: "Lê Văn Hùng", school: "DEMO01", roles: ["homeroom"], classes: ["9A1"] },
  { username: "hieutruong", name: "Phạm Thị Lan", school: "DEMO01", roles: ["principal", "school-admin"] },
  { username: "vanthu", name: "Đỗ Minh Tuấn", school: "DEMO01", roles: ["seal"] },
  { username: "canboso", name: "Hoàng Thu Hà", school: DEMO_DEPARTMENT, roles: ["department"] },
];

/** DATA_DIR/demo/staff.json, made on first start with random passwords (mode 0600). */
export function ensureDemoStaff(demoDir: string): { file: string; staff: DemoStaff[] } {
  const file = path.join(demoDir, "staff.json");
  if (existsSync(file)) return { file, staff: JSON.parse(readFileSync(file, "utf8")) as DemoStaff[] };
  const staff = DEMO_STAFF.map((s) => ({ ...s, password: randomBytes(9).toString("base64url") }));
  writeFileSync(file, JSON.stringify(staff, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  return { file, staff };
}

/** Gives the demo staff their roles (at each start: the issuer follows the address). */
export async function assignDemoStaff(
  db: Database,
  issuer: string,
  staff: readonly DemoStaff[],
): Promise<void> {
  for (const person of staff) {
    const current = await assignmentsOf(db, { issuer, subject: person.username });
    const same = current.some(
      (a) =>
        a.school === person.school &&
        a.roles.join() === person.roles.join() &&
        a.classes.join() === (person.classes ?? []).join(),
    );
    if (same) continue;
    await assignStaff(
      db,
      {
        issuer,
        subject: person.username,
        school: person.school,
        roles: person.roles,
        classes: person.classes ?? [],
        label: person.name,
      },
      { kind: "admin", actor: "system" },
    );
  }
}

export interface ComposedSignIn {
  signIn: StaffSignIn;
  /** The embedded provider: start it once the server's address is known. */
  embedded?: {
    staffFile: string;
    start(db: Database): Promise<string>;
  };
}

/** Staff sign-in for `config`; `publicUrl()` is the server's base URL once it listens. */
export function composeStaffSignIn(
  config: Config,
  demoDir: string | undefined,
  publicUrl: () => string,
): ComposedSignIn {
  const policy = {
    idleSeconds: config.STAFF_SESSION_IDLE_MINUTES * 60,
    maxSeconds: config.STAFF_SESSION_MAX_HOURS * 3600,
  };
  const secureCookies = (config.PUBLIC_URL ?? "").startsWith("https:");
  const redirectUri = () => `${publicUrl()}/auth/callback`;
  if (config.OIDC_ISSUER_URL !== undefined) {
    const idp = openIdClient({
      issuerUrl: config.OIDC_ISSUER_URL,
      clientId: config.OIDC_CLIENT_ID!,
      clientSecret: config.OIDC_CLIENT_SECRET,
      redirectUri,
    });
    return { signIn: { idp, policy, secureCookies } };
  }
  if (demoDir === undefined) return { signIn: { policy, secureCookies } };

  const idpDir = path.join(config.DATA_DIR, "idp");
  const keys = providerKeys(idpDir);
  const secretFile = path.join(idpDir, "client.secret");
  const clientSecret = existsSync(secretFile) ? readFileSync(secretFile, "utf8").trim() : randomSecret();
  if (!existsSync(secretFile)) writeFileSync(secretFile, clientSecret + "\n", { mode: 0o600, flag: "wx" });
  const { file, staff } = ensureDemoStaff(demoDir);
  let provider: OpenIdProvider | undefined;
  const issuer = () => `${publicUrl()}${EMBEDDED_PREFIX}`;
  return {
    signIn: {
      idp: openIdClient({ issuerUrl: issuer, clientId: CLIENT_ID, clientSecret, redirectUri }),
      policy,
      secureCookies,
      embeddedProvider: {
        prefix: EMBEDDED_PREFIX,
        handle(req, res) {
          if (provider) return provider.handle(req, res);
          res.statusCode = 503;
          res.end("the embedded OpenID Provider is starting");
        },
      },
    },
    embedded: {
      staffFile: file,
      async start(db) {
        provider = openIdProvider({
          issuer: issuer(),
          accounts: staff.map((s) => ({ username: s.username, password: s.password, name: s.name })),
          clients: [{ clientId: CLIENT_ID, clientSecret, redirectUris: [redirectUri()] }],
          keys,
        });
        await assignDemoStaff(db, issuer(), staff);
        return issuer();
      },
    },
  };
}
