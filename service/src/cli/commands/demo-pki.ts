/**
 * `hocba demo-pki`: creates the demo PKI of the embedded default (the service also does it at
 * start) or issues one more demo signer from its issuing CA — e.g. a homeroom teacher to try
 * co-signing. Never overwrites a key.
 */
import { DEMO_P12_PASSWORD, ensureDemoPki, issueDemoSigner } from "../../adapters/pki/demo-pki";
import type { KeyAlgorithm } from "../../adapters/pki/certificates";
import type { HocbaError } from "../../core/errors";
import { defineCommand, type ParsedArgs } from "../command";
import { STRING, usageError, type CliIo } from "../io";

const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ["P-256", "RSA-2048", "RSA-3072"];

const SUMMARY = "create the demo PKI (root → issuing CA → DEMO01, DEMOQ1) or issue a demo signer";

const HELP = `usage: hocba demo-pki [--dir <dir>] [--issue <code> --subject <name> [--key-algorithm <alg>] [--password <pw>]]

Without --issue: creates whatever is missing of the demo PKI under <dir> (default data/demo):
trust/root.pem, ca/ (the demo CAs' keys), and DEMO01 / DEMOQ1 signers as <code>.key.pem,
<code>.cert.pem, <code>.chain.pem and <code>.p12 (password "${DEMO_P12_PASSWORD}"). Existing keys are kept.

With --issue: issues one more signer <code> from the demo issuing CA.
  --subject <name>        X.500 name, e.g. "C=VN, O=Trường THCS Demo, T=Giáo viên chủ nhiệm, CN=Phạm Thu Trang"
  --key-algorithm <alg>   ${KEY_ALGORITHMS.join(", ")} (default P-256)
  --password <pw>         password of its .p12 (default "${DEMO_P12_PASSWORD}")

Demo certificates are for trying hocba only: never trust the demo root in production.`;

const ARGS = {
  options: {
    dir: { type: "string", default: "data/demo" },
    issue: STRING,
    subject: STRING,
    "key-algorithm": STRING,
    password: STRING,
  },
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, demo);

/** Runs `hocba demo-pki`; prints the files it wrote. */
export const demoPki = command.run;

async function demo({ values }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const keyAlgorithm = values["key-algorithm"] as KeyAlgorithm | undefined;
  if (keyAlgorithm !== undefined && !KEY_ALGORITHMS.includes(keyAlgorithm))
    throw usage(`--key-algorithm must be one of ${KEY_ALGORITHMS.join(", ")}`);
  if (values.issue === undefined) {
    if (values.subject !== undefined || values.password !== undefined)
      throw usage("--subject and --password go with --issue");
    const pki = await ensureDemoPki(values.dir, { keyAlgorithm });
    io.stdout(
      pki.written.length === 0
        ? `demo PKI already complete in ${values.dir}\n`
        : pki.written.map((path) => `wrote ${path}\n`).join(""),
    );
    for (const signer of pki.signers) io.stdout(`${signer.code}  certificate ${signer.fingerprint}\n`);
    return 0;
  }
  if (values.subject === undefined) throw usage("--issue needs --subject");
  const issued = await issueDemoSigner(values.dir, {
    code: values.issue,
    subject: values.subject,
    keyAlgorithm,
    password: values.password,
  });
  io.stdout(issued.written.map((path) => `wrote ${path}\n`).join(""));
  io.stdout(`${issued.code}  certificate ${issued.fingerprint}\n`);
  return 0;
}

function usage(message: string): HocbaError {
  return usageError(message, HELP);
}
