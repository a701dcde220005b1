// Renders an explanation: the cleaned review text with each token tinted by its contribution to the
// positive-class logit (blue = toward positive, orange = toward negative). Built from text nodes only,
// so review text can never be interpreted as HTML.
import { el } from "./format.js";

const POSITIVE_RGB = "0, 114, 178"; // Okabe-Ito blue, as in the evaluation plots
const NEGATIVE_RGB = "213, 94, 0"; // Okabe-Ito vermillion
/** Contributions below this share of the largest are left untinted, to keep the text readable. */
const MIN_SHARE = 0.04;

export function contributionColor(contribution, maxAbs) {
  const share = Math.min(1, Math.abs(contribution) / maxAbs);
  const alpha = (0.12 + 0.5 * share).toFixed(3);
  return `rgba(${contribution > 0 ? POSITIVE_RGB : NEGATIVE_RGB}, ${alpha})`;
}

/** Replace `container`'s content with the highlighted text of `explanation` ({text, tokens}). */
export function renderHighlights(container, explanation) {
  const { text, tokens } = explanation;
  const maxAbs = tokens.reduce((m, t) => Math.max(m, Math.abs(t.contribution)), 0) || 1;
  const ordered = [...tokens].sort((a, b) => a.start - b.start);
  const fragment = document.createDocumentFragment();
  let pos = 0;
  for (const t of ordered) {
    if (t.start < pos || t.end > text.length) continue; // overlapping or out-of-range spans: skip, keep text intact
    if (t.start > pos) fragment.append(document.createTextNode(text.slice(pos, t.start)));
    const piece = text.slice(t.start, t.end);
    if (Math.abs(t.contribution) < MIN_SHARE * maxAbs) {
      fragment.append(document.createTextNode(piece));
    } else {
      const sign = t.contribution > 0 ? "+" : "−";
      const span = el("span", piece, {
        class: `tok ${t.contribution > 0 ? "pos" : "neg"}`,
        title: `${t.token}: ${sign}${Math.abs(t.contribution).toFixed(3)}`,
      });
      span.style.backgroundColor = contributionColor(t.contribution, maxAbs);
      fragment.append(span);
    }
    pos = t.end;
  }
  if (pos < text.length) fragment.append(document.createTextNode(text.slice(pos)));
  container.replaceChildren(fragment);
}

/** The strongest features as list items: "not good  −1.234". */
export function renderFeatures(list, explanation) {
  const features =
    explanation.features && explanation.features.length > 0
      ? explanation.features
      : [...explanation.tokens]
          .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
          .slice(0, 15)
          .map((t) => ({ feature: t.token, contribution: t.contribution }));
  list.replaceChildren(
    ...features.map((f) => {
      const li = el("li");
      li.append(el("span", f.feature, { class: "feature-name" }));
      const sign = f.contribution > 0 ? "+" : "−";
      li.append(
        el("span", `${sign}${Math.abs(f.contribution).toFixed(3)}`, {
          class: `feature-value ${f.contribution > 0 ? "pos" : "neg"}`,
        }),
      );
      return li;
    }),
  );
}
