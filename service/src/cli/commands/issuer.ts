/**
 * `hocba issuer`: the Department changes a registered issuer's signing certificates through the
 * admin API (POST /api/v1/admin/issuers/:code/certificates) — add a co-signer's certificate with
 * its role (e.g. the homeroom teacher beside the principal), or remove one (key rotation). The
 * service checks the certificate and writes the change to the on-chain issuer registry.
 */
import { ADMIN_API_OPTIONS, adminToken, apiBaseUrl, callApi } from "../api-client";
import type { Command } from "../command";
import { parseCommandArgs, processIo, readInput, usageError, type CliIo } from "../io";

const HELP = `usage: hocba issuer add-certificate <code> --cert <file.pem> [--role <role>] [options]
       hocba issuer remove-certificate <code> --fingerprint <0x…> [options]

Adds a signing certificate to a registered school or district office, with the signer's role, or
removes one; prints the issuer's active certificates. The change goes to the on-chain issuer
registry in the next anchoring round.

  --cert <file.pem>       the signer's certificate first, then intermediate CAs
  --role <role>           the signer's role: principal (default), homeroom, head… (a-z, 0-9, _ -)
  --fingerprint <0x…>     the certificate to remove (as listed: 0x + SHA-256 of its DER)
options:
  --api <url>             the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:$PORT, port 8080)
  --admin-token <token>   the ADMIN_TOKEN (default $HOCBA_ADMIN_TOKEN, else $ADMIN_TOKEN)
  --admin-token-file <f>  a file holding it (e.g. data/demo/admin.token)
  -h, --help              this text`;

interface Active {
  code: string;
  certificates: { fingerprint: string; subject: string; role: string }[];
}

export const command: Command = {
  summary: "add (with a role) or remove an issuer's signing certificate (admin API)",
  run: (args) => issuerCommand(args, processIo),
};

/** Runs `hocba issuer …` with `io` (tests pass a captured one). Returns the exit code. */
export async function issuerCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    {
      args,
      options: {
        cert: { type: "string" },
        role: { type: "string" },
        fingerprint: { type: "string" },
        ...ADMIN_API_OPTIONS,
      },
      allowPositionals: true,
    },
    HELP,
  );
  if (values.help) {
    io.stdout(HELP + "\n");
    return 0;
  }
  const [action, code, ...extra] = positionals;
  if (action !== "add-certificate" && action !== "remove-certificate")
    throw usageError(action === undefined ? "what to do is missing" : `unknown action "${action}"`, HELP);
  if (code === undefined) throw usageError("the issuer code is missing", HELP);
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`, HELP);
  let change: { add: { pem: string; role: string }[] } | { remove: string[] };
  if (action === "add-certificate") {
    if (values.cert === undefined) throw usageError("--cert is missing", HELP);
    if (values.fingerprint !== undefined) throw usageError("--fingerprint is for remove-certificate", HELP);
    const pem = readInput(values.cert, "certificate").toString("utf8");
    change = { add: [{ pem, role: values.role ?? "principal" }] };
  } else {
    if (values.fingerprint === undefined) throw usageError("--fingerprint is missing", HELP);
    if (values.cert !== undefined || values.role !== undefined)
      throw usageError("--cert and --role are for add-certificate", HELP);
    change = { remove: [values.fingerprint.toLowerCase()] };
  }
  const baseUrl = apiBaseUrl(values.api, io);
  const token = adminToken(values, io, HELP);
  const { body } = await callApi<Active>(
    baseUrl,
    token,
    "POST",
    `/api/v1/admin/issuers/${encodeURIComponent(code)}/certificates`,
    change,
  );
  io.stdout(`${action === "add-certificate" ? "added" : "removed"}; active certificates of ${body.code}:\n`);
  for (const certificate of body.certificates)
    io.stdout(`certificate ${certificate.fingerprint} ${certificate.role} ${certificate.subject}\n`);
  return 0;
}
