/**
 * What the HTTP layer needs from the rest of the service, passed into `buildApp` and exposed to
 * route plugins as `app.services`. Embedded and production modes build this differently
 * (service/src/server/compose.ts); routes never know which.
 */
import type { ChainStatusPort } from "../core/verification";
import type { ServiceVerification } from "../issuance/service-knowledge";
import type { DraftServices } from "../issuance/drafts";
import type { GraduateImportDeps } from "../issuance/graduates";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CitizenClaimNames, SessionPolicy } from "../auth/sessions";
import type { Database, PdfRenderer, StaffIdentityProvider } from "../issuance/ports";

/** Staff sign-in (docs/staff-sign-in.md): the OpenID Provider, the sessions' timeouts, the cookies. */
export interface StaffSignIn {
  /** OIDC_ISSUER_URL's provider or the embedded one; none = sign-in answers SIGN_IN_UNAVAILABLE. */
  idp?: StaffIdentityProvider;
  policy: SessionPolicy;
  /** Mark cookies Secure (PUBLIC_URL is https). */
  secureCookies: boolean;
  /**
   * The embedded OpenID Provider, served by this server under `prefix` (e.g. /idp): a Node request
   * handler that receives the unparsed request.
   */
  embeddedProvider?: { prefix: string; handle(req: IncomingMessage, res: ServerResponse): void };
}

/** Citizen sign-in (docs/citizens.md): the national identity provider, its claims, the sessions. */
export interface CitizenSignIn {
  /** CITIZEN_OIDC_ISSUER_URL's provider or the embedded one; none = SIGN_IN_UNAVAILABLE. */
  idp?: StaffIdentityProvider;
  /** The same timeouts as staff sessions (STAFF_SESSION_IDLE_MINUTES, STAFF_SESSION_MAX_HOURS). */
  policy: SessionPolicy;
  secureCookies: boolean;
  /** CITIZEN_ID_CLAIM and CITIZEN_GUARDIAN_CLAIM. */
  claims: CitizenClaimNames;
  /** SHARE_MAX_DAYS: the longest expiry of a share link. */
  shareMaxDays: number;
}

export interface AppServices {
  db: Database;
  adminToken: string;
  /** Everything document submission and graduate imports need (trust anchors, crypto, roles, the file reader…). */
  submission: GraduateImportDeps;
  /** The class workbook import and the drafts store (reader, writer, validation options). */
  drafts: DraftServices;
  /** The registry's answers for the public chain reads (cached, one per service). */
  chainStatus: ChainStatusPort;
  /**
   * What `POST /verify` checks with, and the service's knowledge (corrections, revocations whose
   * on-chain write is pending, signer roles) the public chain routes answer from: composed once
   * (server/compose.ts, verificationOf), never in a route.
   */
  verification: ServiceVerification;
  /** Renders the printable PDF of a credential. */
  renderPdf: PdfRenderer;
  /** Chain id and registry address, as credential files state them. */
  chain: { chainId: number; registry: string };
  /**
   * The service's public base URL (PUBLIC_URL, else where it listens), without a trailing slash:
   * links printed in PDFs point there. Unset (tests): the origin the request was sent to.
   */
  publicUrl?: () => string;
  /** Staff sign-in and sessions; none = no session is accepted and sign-in is unavailable. */
  staffSignIn?: StaffSignIn;
  /** Citizen sign-in, sessions and share links; none = no citizen session is accepted. */
  citizenSignIn?: CitizenSignIn;
  /** Ask the anchoring runner for a round soon (after a large submission, a revocation…). */
  triggerAnchoring(): void;
  /**
   * Public rate limits: VERIFY_RATE_MAX credentials per VERIFY_RATE_WINDOW_MS (default 600 per
   * 60 s), LOOKUP_RATE_MAX per LOOKUP_RATE_WINDOW_MS for the graduate search by name and birth
   * date (default 30 per 10 min) and LOOKUP_SERIAL_RATE_MAX per LOOKUP_RATE_WINDOW_MS for the
   * search by diploma serial (default 10 per 10 min).
   */
  limits?: {
    verifyMax: number;
    verifyWindowMs: number;
    lookupMax?: number;
    lookupWindowMs?: number;
    lookupSerialMax?: number;
    /** PUBLIC_READ_RATE_MAX: reads of the public verification routes per client and minute. */
    publicReadsMax?: number;
  };
}

declare module "fastify" {
  interface FastifyInstance {
    services: AppServices;
  }
}
