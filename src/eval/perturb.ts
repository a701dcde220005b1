// Label-neutral text perturbations and slices for the robustness checks. Each perturbation changes
// only the surface of a review (casing, whitespace, markup, a neutral emoji) — never words that carry
// sentiment — so a robust model's prediction should not move. All randomness is seeded per review.
import { firstSentence } from "../text/sentences.ts";
import { rng } from "../util/random.ts";

/** Seeded PRNG shared with the rest of the project (mulberry32). */
export const seededRandom = rng;

/** `k` distinct indices out of `n`, in ascending order (partial Fisher-Yates). */
export function sampleIndices(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(seed);
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, m).sort((a, b) => a - b);
}

export interface Perturbation {
  key: string;
  label: string;
  definition: string;
  apply(text: string, rand: () => number): string;
}

// Movie and object emoji with no sentiment of their own (no faces, hearts, thumbs).
const NEUTRAL_EMOJI = ["🎬", "🍿", "🎥", "📽️", "🎞️", "📺"];

// Tags and entities ("<br />", "&amp;") are markup, not words: casing must not touch them, because
// entity names are case-sensitive ("&AmP;" no longer decodes to "&").
const MARKUP = /(<\/?[a-zA-Z][^<>]*>|&(?:#\d+|#x[\da-fA-F]+|[a-zA-Z][a-zA-Z\d]*);)/;

/** Apply `fn` to the text between tags and entities. */
function mapText(text: string, fn: (part: string) => string): string {
  return text
    .split(MARKUP)
    .map((part, i) => (i % 2 === 1 ? part : fn(part)))
    .join("");
}

function randomCase(text: string, rand: () => number): string {
  return mapText(text, (part) => {
    let out = "";
    for (const ch of part) out += rand() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
    return out;
  });
}

function extraWhitespace(text: string, rand: () => number): string {
  const spaced = text.replace(/ +/g, () => {
    const r = rand();
    return r < 0.15 ? "   " : r < 0.25 ? " \t " : r < 0.3 ? " \n " : " ";
  });
  // Paragraph breaks the way IMDb writes them, after sentence ends, plus padding around the review.
  return `  \n${spaced.replace(/([.!?]) /g, (_m, p: string) => (rand() < 0.5 ? `${p} <br /><br />` : `${p} `))}\n  `;
}

function htmlMarkup(text: string, rand: () => number): string {
  // Escape as an HTML page would (so the tokenizer must decode entities), then wrap some whole words
  // in inline tags (the tokenizer replaces tags with spaces, so tags must not split words).
  // "&" that already starts an entity and "<" are left alone: escaping them would change what the
  // text decodes to ("&amp;amp;" -> "&amp;", "&lt;x&gt;" -> a visible "<x>" the original never showed).
  const escaped = text
    .replace(/&(?!#\d+;|#x[\da-f]+;|[a-z][a-z\d]*;)/gi, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
  const tags = ["b", "i", "em", "strong", "span"];
  const wrapped = escaped.replace(/(?<=^|\s)([A-Za-z]{3,})(?=[\s.,!?]|$)/g, (word: string) => {
    if (rand() >= 0.1) return word;
    const tag = tags[Math.floor(rand() * tags.length)];
    return `<${tag}>${word}</${tag}>`;
  });
  return `<div class="review"><p>${wrapped}</p></div>`;
}

export const PERTURBATIONS: readonly Perturbation[] = [
  {
    key: "perturb:all-caps",
    label: "ALL CAPS",
    definition: "Whole review upper-cased (HTML tags and entities kept as they are).",
    apply: (t) => mapText(t, (part) => part.toUpperCase()),
  },
  {
    key: "perturb:lowercase",
    label: "all lowercase",
    definition: "Whole review lower-cased (HTML tags and entities kept as they are).",
    apply: (t) => mapText(t, (part) => part.toLowerCase()),
  },
  {
    key: "perturb:random-case",
    label: "rAnDoM cAsE",
    definition: "Each character upper- or lower-cased at random (p = 0.5).",
    apply: randomCase,
  },
  {
    key: "perturb:whitespace",
    label: "extra whitespace + <br />",
    definition:
      'Runs of spaces become 3 spaces, " \\t " or " \\n " (15/10/5% of gaps), half of the sentence ends get "<br /><br />", and the review is padded with newlines.',
    apply: extraWhitespace,
  },
  {
    key: "perturb:html",
    label: "HTML tags + entities",
    definition:
      "Review HTML-escaped (& \" ' as &amp; &quot; &#39;), 10% of words wrapped in <b>/<i>/<em>/<strong>/<span>, all inside <div><p>.",
    apply: htmlMarkup,
  },
  {
    key: "perturb:neutral-emoji",
    label: "neutral emoji appended",
    definition: `One to three emoji with no sentiment (${NEUTRAL_EMOJI.join(" ")}) appended at the end.`,
    apply: (t, rand) => {
      const n = 1 + Math.floor(rand() * 3);
      const picks = Array.from({ length: n }, () => NEUTRAL_EMOJI[Math.floor(rand() * NEUTRAL_EMOJI.length)]);
      return `${t} ${picks.join("")}`;
    },
  },
];

// The first sentence of a review: one sentence splitter for the whole project (src/text/sentences.ts).
export { firstSentence };

/** Words counted as negations for the negation-heavy slice. */
export function isNegationToken(token: string): boolean {
  return (
    token === "not" || token === "never" || token === "no" || token === "nothing" || token.endsWith("n't")
  );
}
