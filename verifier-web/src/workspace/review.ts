/**
 * A draft shown for review as the học bạ it will be: the verifier page's renderer
 * (verifier/render.ts, the same as for a signed credential), with the draft's problems listed
 * above it and each value they concern marked (`data-path` = the problem's JSON pointer, or the
 * nearest enclosing part).
 */
import type { Transcript } from "../../../service/src/core/documents";
import { el } from "../common/dom";
import { renderDocument } from "../verifier/render";
import { t } from "./messages";

/** A draft as `GET /api/v1/drafts/{id}` answers it (the part the page uses). */
export interface DraftView {
  id: string;
  status: string;
  document: Transcript;
  problems: { path: string; code: string; message: string }[];
}

/** The element `path` belongs to: the one with that `data-path`, else the nearest parent pointer. */
function placeOf(root: HTMLElement, path: string): HTMLElement | undefined {
  for (let p = path; p.length > 0; p = p.slice(0, p.lastIndexOf("/"))) {
    const found = [...root.querySelectorAll<HTMLElement>("[data-path]")].find((e) => e.dataset.path === p);
    if (found) return found;
  }
  return undefined;
}

/** The problems list and the rendered document with its problems marked. */
export function renderReview(view: DraftView): { problems: HTMLElement | null; body: HTMLElement } {
  const body = renderDocument(view.document, "draft", [], t("draftNote"));
  body.classList.add("draft-document");
  view.problems.forEach((problem, index) => {
    const place = placeOf(body, problem.path);
    if (!place) return;
    place.classList.add("has-problem");
    place.setAttribute("data-testid", "problem-mark");
    const note = el("span", { class: "problem-note", id: `problem-${index}` }, `⚠ ${problem.message}`);
    if (place.tagName === "SECTION") place.prepend(el("p", {}, note));
    else (place.tagName === "TR" ? (place.firstElementChild ?? place) : place).append(" ", note);
  });
  const problems =
    view.problems.length === 0
      ? el("p", { class: "review-ok", "data-testid": "review-ok" }, "✓ ", t("reviewNoProblems"))
      : el(
          "div",
          { class: "review-problems", role: "alert" },
          el("p", {}, t("reviewProblems", { count: view.problems.length })),
          el(
            "ul",
            {},
            ...view.problems.map((p) =>
              el(
                "li",
                { "data-testid": "review-problem" },
                el("span", { class: "mono" }, p.path),
                " — ",
                p.message,
              ),
            ),
          ),
        );
  return { problems, body };
}
