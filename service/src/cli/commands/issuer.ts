/**
 * `hocba issuer`: the Department changes a registered issuer's signing certificates through the
 * admin API (POST /api/v1/admin/issuers/:code/certificates) — add a co-signer's certificate with
 * its role (e.g. the homeroom teacher beside the principal), or remove one (key rotation). The
 * service checks the certificate and writes the change to the on-chain issuer registry — and sets
 * the roles the issuer's documents require (PUT /api/v1/admin/issuers/:code/required-roles).
 */
import { ADMIN_API_HELP, ADMIN_API_OPTIONS, adminToken, apiBaseUrl, callApi } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { actionArgs, FLAG, readCertificateFile, STRING, usageError, type CliIo } from "../io";
import { rolesList, rolesText } from "./register-issuer";

const SUMMARY = "add (with a role) or remove an issuer's signing certificate (admin API)";

const HELP = `usage: hocba issuer add-certificate <code> --cert <file> [--role <role>] [options]
       hocba issuer remove-certificate <code> --fingerprint <0x…> [options]
       hocba issuer set-roles <code> <role>… | --default [options]

Adds a signing certificate to a registered school or district office, with the signer's role, or
removes one; prints the issuer's active certificates. The change goes to the on-chain issuer
registry in the next anchoring round. set-roles sets the roles the issuer's documents must carry
together (e.g. principal organisation: the principal and the school's seal), --default returns
it to the service's REQUIRED_SIGNER_ROLES.

  --cert <file>           the certificate file (PEM or DER): the signer's alone, or followed by
                          intermediate CAs
  --role <role>           the signer's role: principal (default), homeroom, organisation (the
                          school's seal certificate)… (a-z, 0-9, _ -)
  --default               (set-roles) no roles of its own: REQUIRED_SIGNER_ROLES applies
  --fingerprint <0x…>     the certificate to remove (as listed: 0x + SHA-256 of its DER)
options:
${ADMIN_API_HELP}`;

interface Active {
  code: string;
  certificates: { fingerprint: string; subject: string; role: string }[];
}

const ACTIONS = ["add-certificate", "remove-certificate", "set-roles"] as const;
const ARGS = {
  options: { cert: STRING, role: STRING, fingerprint: STRING, default: FLAG, ...ADMIN_API_OPTIONS },
  allowPositionals: true,
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, issuer);

/** Runs `hocba issuer …` with `io` (tests pass a captured one). Returns the exit code. */
export const issuerCommand = command.run;

async function issuer({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const [action, code, extra] = actionArgs(positionals, ACTIONS, "the issuer code is missing", HELP);
  if (action === "set-roles") return setRoles(code, extra, values, io);
  if (values.default) throw usageError("--default is for set-roles", HELP);
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`, HELP);
  let change: { add: { pem: string; role: string }[] } | { remove: string[] };
  if (action === "add-certificate") {
    if (values.cert === undefined) throw usageError("--cert is missing", HELP);
    if (values.fingerprint !== undefined) throw usageError("--fingerprint is for remove-certificate", HELP);
    const pem = readCertificateFile(values.cert);
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

async function setRoles(
  code: string,
  roles: string[],
  values: ParsedArgs<typeof ARGS>["values"],
  io: CliIo,
): Promise<number> {
  if (values.cert !== undefined || values.role !== undefined || values.fingerprint !== undefined)
    throw usageError("set-roles takes roles, or --default", HELP);
  if (values.default === true && roles.length > 0)
    throw usageError("give roles or --default, not both", HELP);
  const requiredRoles = values.default === true ? null : rolesList(roles.join(","), HELP);
  const baseUrl = apiBaseUrl(values.api, io);
  const token = adminToken(values, io, HELP);
  const { body } = await callApi<{ code: string; requiredRoles: string[] | null }>(
    baseUrl,
    token,
    "PUT",
    `/api/v1/admin/issuers/${encodeURIComponent(code)}/required-roles`,
    { requiredRoles },
  );
  io.stdout(`required roles of ${body.code}: ${rolesText(body.requiredRoles)}\n`);
  return 0;
}
