/**
 * `hocba staff`: the Department (admin token) gives people roles at a school, takes them away, and
 * lists them, through the API (PUT/DELETE/GET /api/v1/schools/:code/staff). A person is named as
 * their OpenID Provider names them: the issuer URL and the subject (`sub`). Every change is audited
 * by the service.
 */
import { ADMIN_API_HELP, ADMIN_API_OPTIONS, adminToken, apiBaseUrl, callApi } from "../api-client";
import { defineCommand, type ParsedArgs } from "../command";
import { actionArgs, STRING, STRINGS, usageError, type CliIo } from "../io";

const SUMMARY = "give people roles at a school, take them away, list them (admin API)";

const HELP = `usage: hocba staff add <school> --issuer <url> --subject <sub> --role <role>… [--class <class>…] [--label <text>] [options]
       hocba staff remove <school> --issuer <url> --subject <sub> [options]
       hocba staff list <school> [options]

Gives a person (as their OpenID Provider names them: issuer URL and subject) roles at a school,
replacing the roles they had there; takes every role away; or lists the school's people.

  --issuer <url>          the OpenID Provider's issuer (OIDC_ISSUER_URL, or <public URL>/idp for the embedded one)
  --subject <sub>         the person's subject (\`sub\`) at that provider
  --role <role>           clerk, homeroom, principal, seal, school-admin; department (at a department code); repeatable
  --class <class>         a homeroom teacher's class, e.g. 9A; repeatable
  --label <text>          what to call the person in lists (e.g. their name)
options:
${ADMIN_API_HELP}`;

interface Row {
  issuer: string;
  subject: string;
  school: string;
  roles: string[];
  classes: string[];
  label: string | null;
}

const ACTIONS = ["add", "remove", "list"] as const;
const ARGS = {
  options: {
    issuer: STRING,
    subject: STRING,
    role: STRINGS,
    class: STRINGS,
    label: STRING,
    ...ADMIN_API_OPTIONS,
  },
  allowPositionals: true,
} as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, staff);

/** Runs `hocba staff …` with `io` (tests pass a captured one). Returns the exit code. */
export const staffCommand = command.run;

function line(row: Row): string {
  const classes = row.classes.length > 0 ? ` classes=${row.classes.join(",")}` : "";
  return `${row.school} ${row.roles.join(",")}${classes} ${row.subject} ${row.issuer}${row.label ? ` (${row.label})` : ""}\n`;
}

async function staff({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const [action, school, extra] = actionArgs(positionals, ACTIONS, "the school code is missing", HELP);
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`, HELP);
  const path = `/api/v1/schools/${encodeURIComponent(school)}/staff`;
  const baseUrl = apiBaseUrl(values.api, io);
  if (action === "list") {
    const token = adminToken(values, io, HELP);
    const { body } = await callApi<{ staff: Row[] }>(baseUrl, token, "GET", path);
    for (const row of body.staff) io.stdout(line(row));
    return 0;
  }
  if (values.issuer === undefined) throw usageError("--issuer is missing", HELP);
  if (values.subject === undefined) throw usageError("--subject is missing", HELP);
  const person = { issuer: values.issuer, subject: values.subject };
  if (action === "remove") {
    if (values.role !== undefined || values.class !== undefined)
      throw usageError("--role and --class are for add", HELP);
    const token = adminToken(values, io, HELP);
    await callApi(baseUrl, token, "DELETE", `${path}?${new URLSearchParams(person).toString()}`);
    io.stdout(`removed every role of ${person.subject} at ${school}\n`);
    return 0;
  }
  if (values.role === undefined) throw usageError("--role is missing", HELP);
  const token = adminToken(values, io, HELP);
  const { body } = await callApi<Row>(baseUrl, token, "PUT", path, {
    ...person,
    roles: values.role,
    ...(values.class ? { classes: values.class } : {}),
    ...(values.label ? { label: values.label } : {}),
  });
  io.stdout(line(body));
  return 0;
}
