/**
 * Staff and citizen sign-in as the configuration selects them (docs/staff-sign-in.md,
 * docs/citizens.md). Staff:
 *   OIDC_ISSUER_URL set → that OpenID Provider (the sector's SSO), client OIDC_CLIENT_ID/SECRET
 *   else, with DEMO    → the embedded OpenID Provider at <public URL>/idp, its demo staff in
 *                        DATA_DIR/demo/staff.json, its keys and client secret in DATA_DIR/idp
 *   else               → no sign-in (the routes answer SIGN_IN_UNAVAILABLE)
 * Citizens the same way: CITIZEN_OIDC_ISSUER_URL (the national identity provider), else with DEMO
 * the same embedded provider, as a second client, with the demo citizens of
 * DATA_DIR/demo/citizens.json (the students of the sample transcripts, and a parent).
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
import { disclose } from "../core/documents/disclosure";
import type { CitizenSignIn, StaffSignIn } from "../http/services";
import { CITIZEN_CALLBACK_PATH } from "../http/routes/citizens";
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
const CITIZEN_CLIENT_ID = "hocba-citizen";
export const EMBEDDED_PREFIX = "/idp";

/** One demo citizen of data/demo/citizens.json. */
export interface DemoCitizen {
  username: string;
  password: string;
  name: string;
  citizenId: string;
  /** A parent's children (their citizen IDs). */
  guardianOf?: string[];
}

/** The student of a sample transcript file (signed form or plain), if the file is there. */
function sampleStudent(file: string): { name: string; citizenId: string } | undefined {
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const document = (json.document ?? json) as Record<string, unknown>;
  const view = (Array.isArray(json.disclosures) ? disclose(document, json.disclosures).view : document) as {
    student?: { fullName?: unknown; citizenId?: unknown };
  };
  const { fullName, citizenId } = view.student ?? {};
  return typeof fullName === "string" && typeof citizenId === "string"
    ? { name: fullName, citizenId }
    : undefined;
}

/**
 * DATA_DIR/demo/citizens.json, made on first start (mode 0600, random passwords): `hocsinh`, the
 * student of sample-transcript.signed.json; `hocsinh2`, the student of sample-transcript.json (to
 * sign and submit); `phuhuynh`, a parent who is the guardian of `hocsinh`.
 */
export function ensureDemoCitizens(demoDir: string): { file: string; citizens: DemoCitizen[] } {
  const file = path.join(demoDir, "citizens.json");
  if (existsSync(file)) return { file, citizens: JSON.parse(readFileSync(file, "utf8")) as DemoCitizen[] };
  const password = () => randomBytes(9).toString("base64url");
  const citizens: DemoCitizen[] = [];
  const signed = sampleStudent(path.join(demoDir, "sample-transcript.signed.json"));
  const plain = sampleStudent(path.join(demoDir, "sample-transcript.json"));
  if (signed) citizens.push({ username: "hocsinh", password: password(), ...signed });
  if (plain) citizens.push({ username: "hocsinh2", password: password(), ...plain });
  citizens.push({
    username: "phuhuynh",
    password: password(),
    name: "Nguyễn Thị Hoa",
    // A made-up citizen ID of a parent (Hà Nội, a woman born in 1985).
    citizenId: "001185" + String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, "0"),
    ...(signed ? { guardianOf: [signed.citizenId] } : {}),
  });
  writeFileSync(file, JSON.stringify(citizens, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  return { file, citizens };
}

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
  /** Citizen sign-in (/cua-toi); none = off. */
  citizenSignIn?: CitizenSignIn;
  /** The embedded provider: start it once the server's address is known. */
  embedded?: {
    /** Set when the embedded provider signs staff in. */
    staffFile?: string;
    /** Set when the embedded provider signs citizens in. */
    citizensFile?: string;
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
  const citizenRedirectUri = () => `${publicUrl()}${CITIZEN_CALLBACK_PATH}`;
  const citizenClaims = { idClaim: config.CITIZEN_ID_CLAIM, guardianClaim: config.CITIZEN_GUARDIAN_CLAIM };
  const citizenClient = {
    scope: config.CITIZEN_OIDC_SCOPE,
    // A fresh sign-in every time: a shared computer's last citizen is never signed in again silently.
    prompt: "login",
    claims: [citizenClaims.idClaim, citizenClaims.guardianClaim],
    setting: "CITIZEN_OIDC_ISSUER_URL",
    redirectUri: citizenRedirectUri,
  };
  const citizenOf = (idp: CitizenSignIn["idp"]): CitizenSignIn => ({
    ...(idp ? { idp } : {}),
    policy,
    secureCookies,
    claims: citizenClaims,
    shareMaxDays: config.SHARE_MAX_DAYS,
  });
  const staffOutside = config.OIDC_ISSUER_URL !== undefined;
  const citizensOutside = config.CITIZEN_OIDC_ISSUER_URL !== undefined;
  const outsideStaffIdp = staffOutside
    ? openIdClient({
        issuerUrl: config.OIDC_ISSUER_URL,
        clientId: config.OIDC_CLIENT_ID!,
        clientSecret: config.OIDC_CLIENT_SECRET,
        redirectUri,
      })
    : undefined;
  const outsideCitizenIdp = citizensOutside
    ? openIdClient({
        ...citizenClient,
        issuerUrl: config.CITIZEN_OIDC_ISSUER_URL,
        clientId: config.CITIZEN_OIDC_CLIENT_ID!,
        clientSecret: config.CITIZEN_OIDC_CLIENT_SECRET,
      })
    : undefined;
  if ((staffOutside && citizensOutside) || demoDir === undefined)
    return {
      signIn: { ...(outsideStaffIdp ? { idp: outsideStaffIdp } : {}), policy, secureCookies },
      citizenSignIn: citizenOf(outsideCitizenIdp),
    };

  const idpDir = path.join(config.DATA_DIR, "idp");
  const keys = providerKeys(idpDir);
  const secretFile = path.join(idpDir, "client.secret");
  const clientSecret = existsSync(secretFile) ? readFileSync(secretFile, "utf8").trim() : randomSecret();
  if (!existsSync(secretFile)) writeFileSync(secretFile, clientSecret + "\n", { mode: 0o600, flag: "wx" });
  const demoStaff = staffOutside ? undefined : ensureDemoStaff(demoDir);
  const demoCitizens = citizensOutside ? undefined : ensureDemoCitizens(demoDir);
  let provider: OpenIdProvider | undefined;
  const issuer = () => `${publicUrl()}${EMBEDDED_PREFIX}`;
  return {
    signIn: {
      idp:
        outsideStaffIdp ??
        openIdClient({ issuerUrl: issuer, clientId: CLIENT_ID, clientSecret, redirectUri }),
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
    citizenSignIn: citizenOf(
      outsideCitizenIdp ??
        openIdClient({ ...citizenClient, issuerUrl: issuer, clientId: CITIZEN_CLIENT_ID, clientSecret }),
    ),
    embedded: {
      ...(demoStaff ? { staffFile: demoStaff.file } : {}),
      ...(demoCitizens ? { citizensFile: demoCitizens.file } : {}),
      async start(db) {
        provider = openIdProvider({
          issuer: issuer(),
          accounts: [
            ...(demoStaff?.staff ?? []).map((s) => ({
              username: s.username,
              password: s.password,
              name: s.name,
            })),
            ...(demoCitizens?.citizens ?? []).map((c) => ({
              username: c.username,
              password: c.password,
              name: c.name,
              claims: {
                [citizenClaims.idClaim]: c.citizenId,
                ...(c.guardianOf ? { [citizenClaims.guardianClaim]: c.guardianOf } : {}),
              },
            })),
          ],
          clients: [
            ...(demoStaff ? [{ clientId: CLIENT_ID, clientSecret, redirectUris: [redirectUri()] }] : []),
            ...(demoCitizens
              ? [{ clientId: CITIZEN_CLIENT_ID, clientSecret, redirectUris: [citizenRedirectUri()] }]
              : []),
          ],
          scopes: { citizen: [citizenClaims.idClaim, citizenClaims.guardianClaim] },
          keys,
        });
        if (demoStaff) await assignDemoStaff(db, issuer(), demoStaff.staff);
        return issuer();
      },
    },
  };
}
