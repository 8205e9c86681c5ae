/**
 * `hocba disclose`: what a graduate (or a parent) runs to share a hocba/2 credential without some
 * of its parts — the citizen ID, the ethnicity, the place of birth, a school year
 * (docs/selective-disclosure.md). It drops those parts' disclosures and nothing else: the school's
 * signature and the anchor still verify, and the verifier lists what was withheld. Offline.
 */
import { isDisclosureKey, withholding, type DisclosureKey } from "../../core/documents/disclosure";
import { HocbaError } from "../../core/errors";
import { DISCLOSABLE_CREDENTIAL_FORMAT } from "../../core/verification";
import { defineCommand, type ParsedArgs } from "../command";
import { parseJsonInput, readInput, STRING, usageError, writeOutput, type CliIo } from "../io";

const SUMMARY = "share a hocba/2 credential without some parts (citizen ID, ethnicity, a school year…)";

const HELP = `usage: hocba disclose <credential.hocba.json> --withhold <parts> [--out <file>]

Writes a copy of a hocba/2 credential without the parts named in --withhold (comma-separated):
  citizenId, ethnicity, placeOfBirth   the student's citizen ID, ethnicity, place of birth
  years/<n>                            a school year, by position (years/0 is the first)
The school's signature and the anchor still verify; a verifier sees which parts are withheld.

  --withhold <parts>  what to leave out, e.g. citizenId,ethnicity
  --out <file>        write here instead of stdout
  -h, --help          this text`;

const ARGS = { options: { withhold: STRING, out: STRING }, allowPositionals: true } as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, disclose);

/** Runs `hocba disclose`; resolves 0 or rejects with a HocbaError. */
export const discloseCommand = command.run;

function disclose(parsed: ParsedArgs<typeof ARGS>, io: CliIo): number {
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) throw usageError("give exactly one credential file", HELP);
  const list = parsed.values.withhold;
  if (list === undefined || list === "") throw usageError("--withhold <parts> is required", HELP);
  const withhold = list.split(",").map((part) => part.trim());
  const unknown = withhold.filter((part) => !isDisclosureKey(part));
  if (unknown.length > 0)
    throw usageError(
      `cannot withhold ${unknown.join(", ")}: the parts are citizenId, ethnicity, placeOfBirth and years/<n>`,
      HELP,
    );
  const credential = parseJsonInput(readInput(file, "credential"), file) as Record<string, unknown> | null;
  if (
    typeof credential !== "object" ||
    credential === null ||
    credential.format !== DISCLOSABLE_CREDENTIAL_FORMAT ||
    typeof credential.document !== "object" ||
    credential.document === null ||
    !Array.isArray(credential.disclosures) ||
    !credential.disclosures.every((item) => typeof item === "string")
  )
    throw new HocbaError(
      "SCHEMA_INVALID",
      `${file} is not a hocba/2 credential: only a transcript signed in the selectively disclosable form has parts to withhold`,
    );
  let disclosures: string[];
  try {
    disclosures = withholding(
      credential.document as Record<string, unknown>,
      credential.disclosures,
      withhold as DisclosureKey[],
    );
  } catch (error) {
    throw new HocbaError("DISCLOSURE_INVALID", `${file}: ${(error as Error).message}`);
  }
  const output = JSON.stringify({ ...credential, disclosures }, null, 2) + "\n";
  if (parsed.values.out === undefined) io.stdout(output);
  else writeOutput(parsed.values.out, output);
  return 0;
}
