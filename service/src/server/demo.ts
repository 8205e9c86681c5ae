/**
 * The demo issuers of the embedded default (README, Quick start): the school DEMO01 and the district
 * office DEMOQ1, registered like any issuer (registerIssuer) with their demo signer certificates on
 * first start, their API keys written to DATA_DIR/demo/<code>.apikey. A missing key file gets a
 * fresh key (the old ones are revoked); nothing else is ever replaced.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { registerIssuer, rotateApiKey } from "../issuance/issuers";
import { findIssuer } from "../issuance/stores/issuers";
import type { ServerParts, Log } from "./compose";

const DEMO_ISSUERS = [
  { code: "DEMO01", kind: "school", name: "Trường THCS Demo" },
  { code: "DEMOQ1", kind: "district", name: "Phòng GDĐT Demo" },
] as const;

export async function ensureDemoIssuers(parts: ServerParts, log: Log): Promise<void> {
  if (!parts.demo) return;
  for (const issuer of DEMO_ISSUERS) {
    const signer = parts.demo.signers.find((s) => s.code === issuer.code);
    if (!signer) continue;
    const keyFile = path.join(parts.demo.dir, `${issuer.code}.apikey`);
    let apiKey: string | undefined;
    if ((await findIssuer(parts.db, issuer.code)) === undefined) {
      const deps = { db: parts.db, trustAnchors: parts.trustAnchors, crypto: parts.submission.crypto };
      const input = { ...issuer, certificates: [readFileSync(signer.chain, "utf8")] };
      apiKey = (await registerIssuer(deps, input, "system")).apiKey;
      log("info", "demo issuer registered", { issuer: issuer.code });
    } else if (!existsSync(keyFile)) {
      // A new key, the old ones revoked (and the rotation audited, as the admin's would be).
      apiKey = (await rotateApiKey(parts.db, issuer.code, "system")).apiKey;
    }
    if (apiKey) writeFileSync(keyFile, apiKey + "\n", { mode: 0o600 });
  }
}
