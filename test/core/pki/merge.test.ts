/**
 * Merging detached CMS signatures (core/pki/merge.ts): two signers who signed the same bytes apart
 * end up in one SignedData that hocba's verifier and `openssl cms -verify` both accept, with each
 * SignerInfo byte for byte as it was signed and each certificate once.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDetachedSignedData } from "../../../service/src/core/pki/cms";
import {
  mergeSignedData,
  signDetached,
  verifyDetached,
  withoutSignerInfos,
} from "../../../service/src/core/pki";
import { openssl, tempDir } from "../../helpers/files";
import { fingerprintOf, makeSchoolPki, registryOf, signerOf, type SchoolPki } from "../../helpers/pki";

const tmp = tempDir("cms-merge");
const content = new TextEncoder().encode('{"a":1}');
let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

describe("merging detached CMS signatures", () => {
  it("joins two signers' CMS into one that hocba and openssl cms -verify accept, each SignerInfo unchanged and each certificate once", async () => {
    const homeroom = await signDetached(content, [signerOf(pki.homeroom, pki.intermediate)]);
    const principal = await signDetached(content, [signerOf(pki.principal, pki.intermediate)]);
    const merged = mergeSignedData([homeroom, principal]);
    const report = await verifyDetached(content, merged, {
      trustAnchors: pki.store,
      authorization: {
        issuerCode: "79000701",
        lookup: registryOf({
          [fingerprintOf(pki.homeroom)]: "homeroom",
          [fingerprintOf(pki.principal)]: "principal",
        }),
      },
      policy: { requiredRoles: ["homeroom", "principal"] },
    });
    const parsed = parseDetachedSignedData(merged);
    const signature = (cms: Uint8Array) =>
      Buffer.from(parseDetachedSignedData(cms).signers[0]!.signature).toString("hex");
    const out = openssl(
      "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp.write("merged.der", merged),
      "-content", tmp.write("content.bin", content), "-CAfile", tmp.write("root.pem", pki.root.certificatePem),
      "-purpose", "any", "-out", tmp.path("out.bin"),
    ); // prettier-ignore
    expect({
      ok: report.ok,
      roles: report.signers.map((s) => s.role),
      signatures: parsed.signers.map((s) => Buffer.from(s.signature).toString("hex")),
      certificates: parsed.certificates.length,
      openssl: [out, readFileSync(tmp.path("out.bin")).equals(Buffer.from(content))],
    }).toEqual({
      ok: true,
      roles: ["homeroom", "principal"],
      signatures: [signature(homeroom), signature(principal)],
      certificates: 3,
      openssl: ["", true],
    });
  });

  it("takes one signer's SignerInfo out of a merged CMS, leaving the other's byte for byte in one that openssl cms -verify accepts, and nothing when every signer is taken out", async () => {
    const homeroom = await signDetached(content, [signerOf(pki.homeroom, pki.intermediate)]);
    const principal = await signDetached(content, [signerOf(pki.principal, pki.intermediate)]);
    const merged = mergeSignedData([homeroom, principal]);
    const left = withoutSignerInfos(merged, [0])!;
    const out = openssl(
      "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp.write("left.der", left),
      "-content", tmp.write("content.bin", content), "-CAfile", tmp.write("root.pem", pki.root.certificatePem),
      "-purpose", "any", "-out", tmp.path("left.bin"),
    ); // prettier-ignore
    const hex = (cms: Uint8Array) =>
      parseDetachedSignedData(cms).signers.map((s) => Buffer.from(s.signature).toString("hex"));
    expect({
      signatures: hex(left),
      certificates: parseDetachedSignedData(left).certificates.length,
      openssl: out,
      again: hex(mergeSignedData([left, homeroom])),
      none: withoutSignerInfos(merged, [0, 1]),
      garbage: (() => {
        try {
          return withoutSignerInfos(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), [0]);
        } catch (error) {
          return (error as { code: string }).code;
        }
      })(),
    }).toEqual({
      signatures: hex(principal),
      certificates: 3,
      openssl: "",
      again: [...hex(principal), ...hex(homeroom)],
      none: null,
      garbage: "SIGNATURE_MALFORMED",
    });
  });

  it("refuses to merge what is not a detached CMS SignedData", async () => {
    const cms = await signDetached(content, [signerOf(pki.homeroom, pki.intermediate)]);
    expect(() => mergeSignedData([cms, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])])).toThrow(
      expect.objectContaining({ code: "SIGNATURE_MALFORMED" }) as Error,
    );
    expect(() => mergeSignedData([])).toThrow(
      expect.objectContaining({ code: "SIGNATURE_MALFORMED" }) as Error,
    );
  });
});
