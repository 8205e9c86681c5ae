/**
 * The demo issuers of the embedded default (README, Quick start): the school DEMO01 and the district
 * office DEMOQ1, registered like any issuer (registerIssuer) with their demo signer certificates on
 * first start, their API keys written to DATA_DIR/demo/<code>.apikey. A missing key file gets a
 * fresh key (the old ones are revoked); nothing else is ever replaced.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createApiKey, revokeApiKey } from "../auth/api-keys";
import { registerIssuer } from "../issuance/issuers";
import type { ServerParts, Log } from "./compose";

const DEMO_ISSUERS = [
  { code: "DEMO01", kind: "school", name: "Trường THCS Demo" },
  { code: "DEMOQ1", kind: "district", name: "Phòng GDĐT Demo" },
] as const;

/** A new API key for an issuer already registered, revoking its others. */
async function replaceApiKey(parts: ServerParts, code: string): Promise<string> {
  return parts.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      "SELECT id FROM api_keys WHERE issuer_code = $1 AND revoked_at IS NULL",
      [code],
    );
    for (const row of rows) await revokeApiKey(tx, row.id, "system");
    return (await createApiKey(tx, { kind: "issuer", issuerCode: code, label: "demo", actor: "system" })).key;
  });
}

export async function ensureDemoIssuers(parts: ServerParts, log: Log): Promise<void> {
  if (!parts.demo) return;
  for (const issuer of DEMO_ISSUERS) {
    const signer = parts.demo.signers.find((s) => s.code === issuer.code);
    if (!signer) continue;
    const keyFile = path.join(parts.demo.dir, `${issuer.code}.apikey`);
    const { rowCount } = await parts.db.query("SELECT 1 FROM issuers WHERE code = $1", [issuer.code]);
    let apiKey: string | undefined;
    if (rowCount === 0) {
      const deps = { db: parts.db, trustAnchors: parts.trustAnchors, crypto: parts.submission.crypto };
      const input = { ...issuer, certificates: [readFileSync(signer.chain, "utf8")] };
      apiKey = (await registerIssuer(deps, input, "system")).apiKey;
      log("info", "demo issuer registered", { issuer: issuer.code });
    } else if (!existsSync(keyFile)) {
      apiKey = await replaceApiKey(parts, issuer.code);
    }
    if (apiKey) writeFileSync(keyFile, apiKey + "\n", { mode: 0o600 });
  }
}
