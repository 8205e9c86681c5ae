/**
 * `hocba register-issuer`: the Department registers a school, district office or department through the admin
 * API (POST /api/v1/admin/issuers) and receives its API key — printed here once, as the API shows
 * it once. Certificates are PEM or DER files (the signer's certificate alone is enough when the
 * service can complete its path; else signer first, then intermediates), checked by the service.
 */
import { ADMIN_API_OPTIONS, ADMIN_TOKEN_ENV, adminToken, apiBaseUrl, callApi } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { isIssuerKind, ISSUER_KINDS } from "../../core/issuer-kinds";
import { readCertificateFile, STRING, STRINGS, usageError, type CliIo } from "../io";

export { ADMIN_TOKEN_ENV };

const SUMMARY = "register a school, district office or department (admin API) and print its API key";

const HELP = `usage: hocba register-issuer --kind ${ISSUER_KINDS.join("|")} --code <code> --name <name>
                             --cert <file> [--cert <file>...] [--role <role>...]
                             [--require-roles <role,role…>] [--district <code>...] [--department <code>]
                             [--api <url>] [--admin-token <token> | --admin-token-file <file>]

Registers a school, district office or department (Sở GDĐT) with its signing certificates and
prints its API key (shown once: store it now).

  --kind              ${ISSUER_KINDS.join(", ")}
  --code              the code used in its documents (2–20 letters/digits)
  --name              its name, e.g. "Trường THCS Nguyễn Du"
  --cert              a certificate file (PEM or DER), e.g. as exported from the token: the signer's
                      certificate alone, or followed by intermediate CAs; repeatable
  --role              the signer's role (default principal; organisation for the school's seal
                      certificate): once for every --cert, or once per --cert
  --require-roles     the roles its documents must carry together, e.g. principal,organisation
                      (default: the service's REQUIRED_SIGNER_ROLES)
  --district          a department's former district office (a registered district); repeatable:
                      the department imports and corrects their graduation records
  --department        a district office's department (a registered department)
  --api               the hocba API (default $HOCBA_API_URL, else http://127.0.0.1:$PORT, port 8080)
  --admin-token       the ADMIN_TOKEN (default $${ADMIN_TOKEN_ENV}, else $ADMIN_TOKEN)
  --admin-token-file  a file holding it (e.g. data/demo/admin.token)`;

interface Registered {
  code: string;
  kind: string;
  name: string;
  apiKey: string;
  certificates: { fingerprint: string; subject: string; role: string }[];
  requiredRoles: string[] | null;
  districts?: string[];
  department?: string | null;
}

const ARGS = {
  options: {
    kind: STRING,
    code: STRING,
    name: STRING,
    cert: STRINGS,
    role: STRINGS,
    "require-roles": STRING,
    district: STRINGS,
    department: STRING,
    ...ADMIN_API_OPTIONS,
  },
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, registerIssuer);

/** Runs the command with `io` (tests pass a captured one). Returns the exit code. */
export const registerIssuerCommand = command.run;

async function registerIssuer({ values }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const { kind, code, name } = values;
  if (!isIssuerKind(kind))
    throw usageError(`--kind must be ${ISSUER_KINDS.join(", ").replace(/, ([^,]+)$/, " or $1")}`, HELP);
  if (values.district !== undefined && kind !== "department")
    throw usageError("--district is for a department", HELP);
  if (values.department !== undefined && kind !== "district")
    throw usageError("--department is for a district office", HELP);
  if (code === undefined) throw usageError("--code is missing", HELP);
  if (name === undefined) throw usageError("--name is missing", HELP);
  const certs = values.cert ?? [];
  if (certs.length === 0) throw usageError("give at least one --cert", HELP);
  const roles = values.role ?? [];
  if (roles.length > 1 && roles.length !== certs.length)
    throw usageError(`give --role once, or once per --cert (${certs.length})`, HELP);
  const required = values["require-roles"];
  const requiredRoles = required === undefined ? undefined : rolesList(required, HELP);
  const baseUrl = apiBaseUrl(values.api, io);
  const token = adminToken(values, io, HELP);
  const certificates = certs.map((path, index) => {
    const pem = readCertificateFile(path);
    const role = roles.length === 1 ? roles[0] : roles[index];
    return role === undefined ? pem : { pem, role };
  });
  const { body } = await callApi<Registered>(baseUrl, token, "POST", "/api/v1/admin/issuers", {
    kind,
    code,
    name: name.normalize("NFC"),
    certificates,
    ...(requiredRoles ? { requiredRoles } : {}),
    ...(values.district ? { districts: values.district } : {}),
    ...(values.department ? { department: values.department } : {}),
  });
  io.stdout(`registered ${body.kind} ${body.code} "${body.name}"\n`);
  if (body.districts !== undefined)
    io.stdout(`former districts: ${body.districts.length === 0 ? "none" : body.districts.join(", ")}\n`);
  if (body.department) io.stdout(`department: ${body.department}\n`);
  for (const certificate of body.certificates)
    io.stdout(`certificate ${certificate.fingerprint} ${certificate.role} ${certificate.subject}\n`);
  io.stdout(`required roles: ${rolesText(body.requiredRoles)}\n`);
  io.stdout(`API key (shown once, store it now): ${body.apiKey}\n`);
  return 0;
}

/** Roles given as "a,b" (or "a b"): non-empty words; the service checks their form. */
export function rolesList(text: string, help: string): string[] {
  const roles = text.split(/[\s,]+/).filter((role) => role !== "");
  if (roles.length === 0) throw usageError("give at least one role, e.g. principal,organisation", help);
  return roles;
}

/** How required roles print: the list, or the service default. */
export function rolesText(roles: string[] | null): string {
  return roles === null ? "the service default (REQUIRED_SIGNER_ROLES)" : roles.join(", ");
}
