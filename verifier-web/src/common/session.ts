/**
 * The sign-in cards of the pages behind a sign-in — the school workspace (/truong, staff) and a
 * citizen's records (/cua-toi): "checking your session", the signed-out card (heading, intro, the
 * sign-in link) and the head of the signed-in card (hello, the person's name, the page's own
 * details line, the sign-out button), with their look in session.css. The words are the page's:
 * each element carries `data-i18n` with the same keys in both pages' dictionaries (`loading`,
 * `heading`, `intro`, `signIn`, `hello`, `signOut`), which the page's render fills.
 * Test hooks: `sign-in`, `person-name`, `sign-out`; ids `signed-out-heading`, `signed-in-heading`.
 */
import "./session.css";
import { byId, el } from "./dom";

export interface SessionCardsOptions {
  /** Where the sign-in link goes: the page's sign-in route (/truong/dang-nhap, /cua-toi/dang-nhap). */
  signInHref: string;
  /**
   * The page's line under the person's name: its label (a `data-i18n` key), the id of the value the
   * page fills (how they signed in, their citizen ID…) and what more the page says after it.
   */
  details: { label: string; valueId: string; more?: HTMLElement };
  /** The sign-out button was pressed. */
  onSignOut: () => void;
}

export interface SessionCards {
  /**
   * Shows the card of the session: `undefined` still checking, `null` signed out, else the person
   * signed in; `error`, in words, in the page's error summary (`#page-error`).
   */
  render(person: { name: string } | null | undefined, error: string | undefined): void;
  /** Moves the focus to the signed-out card's heading (after signing out). */
  focusSignedOut(): void;
}

/**
 * Builds the loading and signed-out cards in place of the page's `<div id="session-cards">`, and the
 * person's head at the top of its `<section id="signed-in">`.
 * @example
 * const session = mountSessionCards({
 *   signInHref: "/truong/dang-nhap",
 *   details: { label: "signedInVia", valueId: "person-issuer" },
 *   onSignOut,
 * });
 */
export function mountSessionCards(options: SessionCardsOptions): SessionCards {
  const loading = el(
    "section",
    { class: "card", id: "loading", "aria-busy": "true" },
    el("p", { class: "muted", "data-i18n": "loading" }),
  );
  const signedOutHeading = el("h1", { id: "signed-out-heading", "data-i18n": "heading", tabindex: -1 });
  const signedOut = el(
    "section",
    { class: "card session-signin", id: "signed-out", "aria-labelledby": "signed-out-heading", hidden: true },
    signedOutHeading,
    el("p", { "data-i18n": "intro" }),
    el("a", { class: "button", href: options.signInHref, "data-testid": "sign-in", "data-i18n": "signIn" }),
  );
  byId("session-cards").replaceWith(loading, signedOut);

  const name = el("span", { id: "person-name", "data-testid": "person-name" });
  const signOut = el("button", {
    type: "button",
    class: "button secondary",
    id: "sign-out",
    "data-testid": "sign-out",
    "data-i18n": "signOut",
  });
  signOut.addEventListener("click", options.onSignOut);
  const signedIn = byId("signed-in");
  signedIn.prepend(
    el(
      "div",
      { class: "session-person" },
      el(
        "div",
        {},
        el("h1", { id: "signed-in-heading" }, el("span", { "data-i18n": "hello" }), " ", name),
        el(
          "p",
          { class: "muted" },
          el("span", { "data-i18n": options.details.label }),
          " ",
          el("span", { class: "mono", id: options.details.valueId }),
          options.details.more && " ",
          options.details.more,
        ),
      ),
      signOut,
    ),
  );
  const error = byId("page-error");

  return {
    render(person, message) {
      loading.hidden = person !== undefined || message !== undefined;
      signedOut.hidden = person !== null;
      signedIn.hidden = !person;
      error.hidden = message === undefined;
      if (message !== undefined) error.textContent = message;
      if (person) name.textContent = person.name;
    },
    focusSignedOut: () => signedOutHeading.focus(),
  };
}
