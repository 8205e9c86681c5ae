/**
 * Device tokens for a signing station (`hocba sign-pending`, docs/school-signing.md): the
 * signed-in signer makes one (POST /api/v1/staff/device-tokens), sees it once to copy, and lists
 * and revokes theirs (GET, DELETE /api/v1/staff/device-tokens/{id}). The token is never kept by the
 * page beyond showing it.
 */
import { el, formatDateTime } from "../common/dom";
import { language } from "../common/i18n";
import { deleteJson, errorCode, getJson, postJson } from "./api";
import { t } from "./messages";

export interface DeviceToken {
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const devices: {
  tokens: DeviceToken[] | undefined;
  /** The token just made: shown once. */
  made: { label: string; token: string } | undefined;
  error: string | undefined;
  /** The form was sent without a name or with a validity outside 1–365 days. */
  invalid: boolean;
} = { tokens: undefined, made: undefined, error: undefined, invalid: false };

export async function loadDevices(): Promise<void> {
  const answer = await getJson<{ tokens: DeviceToken[] }>("/api/v1/staff/device-tokens");
  if (answer.status === 200) devices.tokens = answer.body.tokens;
  else devices.error = errorCode(answer);
}

export async function makeDevice(label: string, expiresInDays: number): Promise<void> {
  const answer = await postJson<DeviceToken & { token: string }>("/api/v1/staff/device-tokens", {
    label,
    expiresInDays,
  });
  if (answer.status === 201) {
    devices.made = { label: answer.body.label, token: answer.body.token };
    devices.error = undefined;
    await loadDevices();
  } else devices.error = errorCode(answer);
}

export async function revokeDevice(id: string): Promise<void> {
  const answer = await deleteJson(`/api/v1/staff/device-tokens/${encodeURIComponent(id)}`);
  if (answer.status !== 204) devices.error = errorCode(answer);
  await loadDevices();
}

/** The list of the person's tokens, each with its state and a revoke button. */
export function renderDevices(revoke: (id: string) => void): HTMLElement[] {
  const lang = language();
  const made = devices.made
    ? el(
        "div",
        { class: "token-made", "data-testid": "device-token", role: "status" },
        el("p", {}, t("deviceMade", { label: devices.made.label })),
        el("p", { class: "mono token-value" }, devices.made.token),
        el("p", { class: "muted" }, t("deviceUse")),
        el("p", { class: "mono token-value" }, "HOCBA_DEVICE_TOKEN=… hocba sign-pending"),
      )
    : null;
  const live = (devices.tokens ?? []).filter((d) => d.revokedAt === null);
  const list =
    live.length === 0
      ? el("p", { class: "muted" }, t("deviceNone"))
      : el(
          "ul",
          { class: "documents" },
          ...live.map((d) => {
            const button = el(
              "button",
              { type: "button", class: "button secondary small" },
              t("deviceRevoke"),
            );
            button.append(el("span", { class: "visually-hidden" }, ` ${d.label}`));
            button.addEventListener("click", () => revoke(d.id));
            return el(
              "li",
              { class: "document-item", "data-testid": "device", "data-id": d.id },
              el(
                "div",
                { class: "document-who" },
                el("span", { class: "document-name" }, d.label),
                el(
                  "span",
                  { class: "muted" },
                  t("deviceDates", {
                    expires: formatDateTime(d.expiresAt, lang),
                    used: d.lastUsedAt ? formatDateTime(d.lastUsedAt, lang) : t("deviceNeverUsed"),
                  }),
                ),
              ),
              button,
            );
          }),
        );
  const error = devices.error
    ? el("p", { class: "error-summary" }, t("errorGeneric", { code: devices.error }))
    : null;
  return [error, made, list].filter((e) => e !== null);
}
