/**
 * The ports of the use cases (issuance/, auth/): what they need from the world, in their own words.
 * Adapters implement them — the database (adapters/db), the registry on chain (adapters/chain), the
 * import-file reader (adapters/files), the PDF renderer (adapters/pdf) — and server/compose.ts
 * wires them in. Nothing here names a driver, an ABI function or an encoding.
 */
import type { SheetRow } from "../core/documents/graduate-rows";
import type { Credential } from "../core/verification";
import type { WorkbookTable } from "../core/workbook/layout";

// ── Database ────────────────────────────────────────────────────────────────────────────────────

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** SQL with numbered parameters ($1, $2 …), on PostgreSQL or PGlite alike. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// ── The registry on chain ───────────────────────────────────────────────────────────────────────

/** A registry call signed with the service key, not sent. */
export interface SignedTx {
  rawTx: string;
  txHash: string;
  nonce: number;
}

export interface MinedReceipt {
  status: "success" | "reverted";
  blockNumber: number;
  blockTime: Date;
}

/** Where the registry recorded a root. */
export interface AnchorRecord {
  txHash: string;
  blockNumber: number;
  anchoredAt: Date;
}

/** The reason codes written on chain with a revocation (never free text: the chain keeps it forever). */
export type OnChainReason = "revoked";

export interface IssuerCertificateChange {
  issuerCode: string;
  /** 0x SHA-256 of the certificate's DER. */
  fingerprint: string;
  action: "add" | "remove";
}

/** Signs the registry writes of the service key at a given nonce; sends nothing. */
export interface RegistrySigner {
  signAnchor(root: string, count: number, nonce: number): Promise<SignedTx>;
  signRevocation(leaves: readonly string[], reason: OnChainReason, nonce: number): Promise<SignedTx>;
  signIssuerChange(change: IssuerCertificateChange, nonce: number): Promise<SignedTx>;
}

/** The chain's side of sending: nonces, broadcast, receipts. Unreachable → CHAIN_UNAVAILABLE. */
export interface ChainTransactions {
  /** The next nonce the chain will accept from the service key (its pending count). */
  nextNonce(): Promise<number>;
  /**
   * Sends a signed transaction. "known": the node already has it (pending or mined);
   * "stale-nonce": another transaction used its nonce.
   */
  broadcast(rawTx: string): Promise<"sent" | "known" | "stale-nonce">;
  receipt(txHash: string): Promise<MinedReceipt | null>;
  latestBlock(): Promise<number>;
}

/** What the registry holds now. */
export interface RegistryState {
  /** Where the registry recorded `root`, or null if it never did. */
  findAnchor(root: string): Promise<AnchorRecord | null>;
  /** Block time (seconds) at which the registry revoked `leaf`, 0 if it did not. */
  revokedAt(leaf: string): Promise<number>;
  /** Was the certificate registered for the issuer at time `at`? */
  isIssuerCertificate(issuerCode: string, fingerprint: string, at: Date): Promise<boolean>;
}

/** A RootAnchored event: a root the registry recorded, where and how many documents it covers. */
export interface AnchoredRootEvent {
  root: string;
  count: number;
  blockNumber: number;
  txHash: string;
}

/** A LeafRevoked event: a leaf the registry revoked, and where. */
export interface RevokedLeafEvent {
  leaf: string;
  blockNumber: number;
  txHash: string;
}

/**
 * What the registry has recorded, from its events (in block order), from block `fromBlock` on:
 * what a restored database is compared with (issuance/restore-check.ts).
 */
export interface RegistryHistory {
  anchoredRoots(fromBlock: number): Promise<AnchoredRootEvent[]>;
  revokedLeaves(fromBlock: number): Promise<RevokedLeafEvent[]>;
}

/** Everything the registry writes (outbox.ts) need from the chain. */
export interface RegistryPort extends RegistrySigner, ChainTransactions, RegistryState {}

// ── Files ───────────────────────────────────────────────────────────────────────────────────────

/** The table of an import file (CSV or XLSX), rows numbered as in the file. */
export interface Sheet {
  format: "csv" | "xlsx";
  /** The first non-empty row; undefined for an empty file. */
  header: SheetRow | undefined;
  rows: SheetRow[];
}

/** Reads an import file's table. @throws HocbaError IMPORT_INVALID when it is not a readable CSV or XLSX. */
export type SheetReader = (bytes: Uint8Array) => Promise<Sheet>;

/** Every sheet of a class workbook (docs/workbook.md): an XLSX's sheets by name, a CSV as one sheet named null. */
export interface WorkbookFile {
  format: "csv" | "xlsx";
  sheets: { name: string | null; rows: SheetRow[] }[];
}

/** Reads a workbook file within the import limits. @throws HocbaError IMPORT_INVALID, PAYLOAD_TOO_LARGE. */
export type WorkbookReader = (bytes: Uint8Array) => Promise<WorkbookFile>;

/** Writes the sheets of a class workbook as an XLSX file (the template, the demo's example). */
export type WorkbookWriter = (tables: readonly WorkbookTable[]) => Promise<Uint8Array>;

// ── PDF ─────────────────────────────────────────────────────────────────────────────────────────

/** A credential as printed: the credential file exactly as served (the document, its signature, its anchor). */
export type PrintableCredential = Credential;

export interface PdfLinks {
  /** The link the QR code opens: the verifier with this document's credential. */
  verifierLink: string;
  /** The verifier page, printed for those who type it. */
  verifierPage: string;
}

/** Lays out the printable PDF of a credential, with the credential attached. */
export type PdfRenderer = (credential: PrintableCredential, links: PdfLinks) => Promise<Uint8Array>;

/** What /healthz reports of the embedded chain. */
export interface ChainHealth {
  state: "running" | "down" | "stopped";
  /** Restarts since the service started. */
  restarts: number;
  /** While down: since when (ISO time). */
  downSince?: string;
  /** How the last anvil ended, e.g. "signal SIGKILL" or "exit code 1". */
  lastExit?: string;
}

// ── Certificate status ──────────────────────────────────────────────────────────────────────────

/** One HTTP exchange with an OCSP responder (POST `body`) or a CRL distribution point (GET). */
export interface StatusRequest {
  url: string;
  /** DER OCSP request: sent as a POST with `contentType`; absent for a GET. */
  body?: Uint8Array;
  contentType?: string;
  accept: string;
  /** A larger answer is abandoned (and fails). */
  maxBytes: number;
}

/**
 * Fetches a certificate status document over HTTP, with a time limit.
 * @throws any Error when there is no 2xx answer within the limits (the caller treats it as "unavailable").
 */
export type StatusFetcher = (request: StatusRequest) => Promise<Uint8Array>;

// ── Staff sign-in (OpenID Connect) ─────────────────────────────────────────────────────────────

/** What a sign-in under way must remember until the callback: never sent anywhere but kept server-side. */
export interface LoginSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** A person as an OpenID Provider vouched for them at the end of a sign-in. */
export interface SignedInPerson {
  issuer: string;
  subject: string;
  /** The `name` claim (else preferred_username, else the subject). */
  name: string;
  /** The further claims the client was asked to read (citizen sign-in: CITIZEN_ID_CLAIM…), if sent. */
  claims?: Record<string, unknown>;
}

/**
 * An OpenID Provider, as staff sign-in needs it: the authorization-code flow with PKCE. Refusals
 * (the provider's error, a state, nonce or PKCE mismatch, a bad ID token) → LOGIN_INVALID;
 * the provider unreachable → SIGN_IN_UNAVAILABLE.
 */
export interface StaffIdentityProvider {
  /** Fresh state, nonce and PKCE verifier, and the provider's authorization URL carrying them. */
  begin(): Promise<{ url: string; secrets: LoginSecrets }>;
  /** Exchanges the code of the callback URL (as the browser requested it) and checks everything. */
  finish(callbackUrl: URL, secrets: LoginSecrets): Promise<SignedInPerson>;
}
