// Sentence splitting (Unicode UAX #29 via Intl.Segmenter) with IMDb's "<br />" treated as a
// paragraph break and common abbreviations ("Mr.") not ending a sentence.
const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });
// V8's ICU has no sentence-break suppressions, so "Mr. Smith" would end a sentence after "Mr.".
const ABBREVIATION_END = /\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|Vol|No|Mt|Lt|Col|Gen|Sgt|Capt)\.\s*$/i;

/** Sentences of a text, trimmed; fragments without letters are merged into the next sentence. */
export function sentences(text: string): string[] {
  const plain = text.replace(/<br\s*\/?>/gi, "\n");
  const out: string[] = [];
  let current = "";
  for (const { segment } of segmenter.segment(plain)) {
    current += segment;
    if (/\p{L}/u.test(current) && !ABBREVIATION_END.test(segment)) {
      out.push(current.trim());
      current = "";
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** The first sentence of a review. */
export function firstSentence(text: string): string {
  const plain = text.replace(/<br\s*\/?>/gi, "\n");
  let out = "";
  for (const { segment } of segmenter.segment(plain)) {
    out += segment;
    if (/\p{L}/u.test(out) && !ABBREVIATION_END.test(segment)) break;
  }
  return out.trim();
}
