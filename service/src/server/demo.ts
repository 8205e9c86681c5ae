/**
 * The demo issuers of the embedded default (README, Quick start): the school DEMO01, the district
 * office DEMOQ1 and the department DEMOSO (Sở GDĐT, DEMOQ1 its former district), registered like
 * any issuer (registerIssuer) with their demo signer certificates on first start, their API keys
 * written to DATA_DIR/demo/<code>.apikey. A missing key file gets a fresh key (the old ones are
 * revoked); nothing else is ever replaced. Then, once, the demo graduation lists (demo/graduates.ts)
 * are signed with the district's and the department's demo keys and imported, so the lookup page
 * has records decided by a former district and by the department.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { signDetached } from "../core/pki";
import { demoGraduateFiles, DEMO_DEPARTMENT_ISSUER, DEMO_DISTRICT } from "../demo/graduates";
import { loadSignerFromPem } from "../adapters/pki/keys";
import { importGraduates } from "../issuance/graduates";
import { registerIssuer, rotateApiKey, type RegisterIssuerInput } from "../issuance/issuers";
import { findIssuer } from "../issuance/stores/issuers";
import type { ServerParts, Log } from "./compose";

const DEMO_ISSUERS: Omit<RegisterIssuerInput, "certificates">[] = [
  { code: "DEMO01", kind: "school", name: "Trường THCS Demo" },
  { ...DEMO_DISTRICT, kind: "district" },
  { ...DEMO_DEPARTMENT_ISSUER, kind: "department", districts: [DEMO_DISTRICT.code] },
];

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

/**
 * Imports the demo graduation lists once (when neither DEMOQ1 nor DEMOSO imported anything yet),
 * each signed with its issuer's demo key, and writes them beside the keys
 * (DATA_DIR/demo/sample-graduates-<code>.csv) to look at or import again.
 */
export async function ensureDemoGraduates(parts: ServerParts, log: Log): Promise<void> {
  if (!parts.demo) return;
  const issuers = [DEMO_DISTRICT.code, DEMO_DEPARTMENT_ISSUER.code];
  const { rowCount } = await parts.db.query(
    "SELECT 1 FROM graduate_imports WHERE district_code = ANY($1::text[]) LIMIT 1",
    [issuers],
  );
  if (rowCount > 0) return;
  for (const file of demoGraduateFiles()) {
    const demoSigner = parts.demo.signers.find((s) => s.code === file.issuer);
    if (!demoSigner) return;
    const signer = await loadSignerFromPem({
      keyPem: readFileSync(demoSigner.key, "utf8"),
      certPem: readFileSync(demoSigner.chain, "utf8"),
    });
    const signature = await signDetached(file.csv, [signer]);
    const target = path.join(parts.demo.dir, file.name);
    if (!existsSync(target)) writeFileSync(target, file.csv, { mode: 0o600 });
    const { result } = await importGraduates(
      parts.submission,
      { issuerCode: file.issuer, actor: "system" },
      {
        file: Buffer.from(file.csv).toString("base64"),
        signature: Buffer.from(signature).toString("base64"),
      },
    );
    log("info", "demo graduates imported", { issuer: file.issuer, counts: result.counts });
  }
}
