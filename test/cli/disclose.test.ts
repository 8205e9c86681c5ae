import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { discloseCommand } from "../../service/src/cli/commands/disclose";
import { disclose, makeDisclosable } from "../../service/src/core/documents/disclosure";
import { captureIo, commandError } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { makeTranscript } from "../helpers/fixtures";

const tmp = tempDir("cli-disclose");
afterAll(() => tmp.dispose());

const transcript = makeTranscript({ seed: 31 });
const { document, disclosures } = makeDisclosable(transcript);
// The members other than document and disclosures are carried over untouched.
const credential = { format: "hocba/2", document, disclosures, signature: "MAA=", anchor: { leaf: "0x01" } };
const file = tmp.write("full.hocba.json", JSON.stringify(credential));

describe("hocba disclose", () => {
  it("writes the credential without the disclosures of the parts named, and nothing else changed", async () => {
    const io = captureIo();
    const out = tmp.path("shared.hocba.json");
    const exit = await discloseCommand([file, "--withhold", "citizenId,ethnicity,years/0", "--out", out], io);
    const shared = JSON.parse(readFileSync(out, "utf8")) as typeof credential;
    expect({ exit, stdout: io.stdoutText(), shared }).toEqual({
      exit: 0,
      stdout: "",
      shared: { ...credential, disclosures: [disclosures[2], ...disclosures.slice(4)] },
    });
    expect(disclose(shared.document, shared.disclosures).withheld).toEqual([
      "/student/citizenId",
      "/student/ethnicity",
      "/years/0",
    ]);
  });

  it("prints to stdout without --out", async () => {
    const io = captureIo();
    await discloseCommand([file, "--withhold", "placeOfBirth"], io);
    expect(JSON.parse(io.stdoutText())).toEqual({
      ...credential,
      disclosures: disclosures.filter((_, i) => i !== 2),
    });
  });

  it("refuses unknown parts, a missing --withhold, a hocba/1 file and a credential with a foreign disclosure", async () => {
    const plain = tmp.write("plain.hocba.json", JSON.stringify({ format: "hocba/1", document: transcript }));
    const foreign = tmp.write(
      "foreign.hocba.json",
      JSON.stringify({
        ...credential,
        disclosures: [...disclosures, makeDisclosable(transcript).disclosures[0]],
      }),
    );
    const errors = await Promise.all([
      commandError(discloseCommand([file, "--withhold", "fullName,years/x"], captureIo())),
      commandError(discloseCommand([file], captureIo())),
      commandError(discloseCommand([plain, "--withhold", "citizenId"], captureIo())),
      commandError(discloseCommand([foreign, "--withhold", "citizenId"], captureIo())),
    ]);
    expect(errors.map((error) => [error.code, error.message.split("\n")[0]])).toEqual([
      [
        "USAGE",
        "cannot withhold fullName, years/x: the parts are citizenId, ethnicity, placeOfBirth and years/<n>",
      ],
      ["USAGE", "--withhold <parts> is required"],
      [
        "SCHEMA_INVALID",
        `${plain} is not a hocba/2 credential: only a transcript signed in the selectively disclosable form has parts to withhold`,
      ],
      [
        "DISCLOSURE_INVALID",
        `${foreign}: disclosure ${disclosures.length + 1}: it matches no digest the issuer signed (changed or foreign)`,
      ],
    ]);
  });
});
