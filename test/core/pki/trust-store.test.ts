/**
 * The trust store is configuration (a folder of PEM roots): it reads every certificate of a PEM
 * bundle and refuses, with CONFIG_INVALID, entries that hold no certificate or a broken one.
 */
import { describe, expect, it } from "vitest";
import { createTrustStore, pemToDer } from "../../../service/src/core/pki";
import { fingerprintOf, issue } from "../../helpers/pki";

describe("createTrustStore", () => {
  it("reads every certificate of a PEM bundle and DER entries, once each", async () => {
    const a = await issue({ subject: "CN=Root A, C=VN", ca: true });
    const b = await issue({ subject: "CN=Root B, C=VN", ca: true });
    const store = createTrustStore([a.certificatePem + b.certificatePem, a.certificate]);
    expect(store.anchors.map((anchor) => [anchor.subject, anchor.fingerprint])).toEqual([
      ["CN=Root A, C=VN", fingerprintOf(a)],
      ["CN=Root B, C=VN", fingerprintOf(b)],
    ]);
  });

  it.each([
    ["text without a PEM certificate", "not a certificate"],
    [
      "a PEM block whose body is not a certificate",
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
    ["a PEM block with corrupt base64", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"],
    ["DER bytes that are not a certificate", new Uint8Array([0x30, 0x00])],
  ])("refuses %s with CONFIG_INVALID", (_label, entry) => {
    expect(() => createTrustStore([entry])).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }) as Error,
    );
  });
});

describe("pemToDer", () => {
  it("returns the bodies of the blocks with the given label only", () => {
    const text =
      "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nBAUG\n-----END CERTIFICATE-----\n";
    expect(pemToDer(text, "CERTIFICATE")).toEqual([new Uint8Array([4, 5, 6])]);
  });
});
