// The one text pipeline of the project. Training, evaluation, the CLI and the server all call
// `tokenize` with the configuration stored in the model file, so a model sees at serving time
// exactly the tokens it was trained on.
import { decodeHTML } from "entities";
import { z } from "zod";

export const PreprocessConfigSchema = z.object({
  version: z.literal(1),
  stripHtml: z.boolean(),
  normalization: z.enum(["NFKC", "NFC", "none"]),
  lowercase: z.boolean(),
  /** Replace URLs and e-mail addresses with `<url>` / `<email>` so they do not flood the vocabulary. */
  placeholders: z.boolean(),
  /** Keep emoji and emoticons (":)", ":-(", "<3") as tokens; they carry sentiment in short texts. */
  emoji: z.boolean(),
  /** Emit "!" / "?" tokens ("!!" / "??" for runs). */
  punctuation: z.boolean(),
  /** Prefix words that follow a negation ("not", "never", "n't") up to the next clause break with "neg_". */
  negation: z.boolean(),
});
export type PreprocessConfig = z.infer<typeof PreprocessConfigSchema>;

export const DEFAULT_PREPROCESS: PreprocessConfig = {
  version: 1,
  stripHtml: true,
  normalization: "NFKC",
  lowercase: true,
  placeholders: true,
  emoji: true,
  punctuation: true,
  negation: false,
};

export interface Token {
  token: string;
  /** Offsets into the cleaned text (`clean(text)`), in UTF-16 code units. */
  start: number;
  end: number;
}

const HTML_TAG = /<\/?[a-zA-Z][^<>]{0,300}>/g;

/** Text-level cleaning: HTML tags and entities, Unicode normalisation. Offsets of tokens refer to its output. */
export function clean(text: string, config: PreprocessConfig): string {
  let out = text;
  if (config.stripHtml && out.includes("<")) out = out.replace(HTML_TAG, " ");
  if (config.stripHtml && out.includes("&")) out = decodeHTML(out);
  if (config.normalization !== "none") out = out.normalize(config.normalization);
  return out;
}

// Alternatives are tried left to right, so URLs, e-mails and emoticons win over the plain word rule.
const TOKEN_RE = new RegExp(
  [
    String.raw`(?<url>(?:https?:\/\/|www\.)[^\s<>"]+)`,
    String.raw`(?<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)`,
    // Emoticons must be preceded by start/space so "re:" or "(3:2)" are not read as faces.
    String.raw`(?<emoticon>(?<![\p{L}\p{N}])(?:[:;=8][\-o^']?[)(\]\[DPpOo3/\\|*]|[)(\]\[][\-o^']?[:;=]|<3|<\/3|\^_\^|-_-|T_T|;_;)(?![\p{L}\p{N}]))`,
    String.raw`(?<emoji>\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*)`,
    String.raw`(?<word>[\p{L}\p{N}]+(?:['’][\p{L}]+)*)`,
    String.raw`(?<bang>!+)`,
    String.raw`(?<question>\?+)`,
    String.raw`(?<stop>[.,;:()\[\]])`,
  ].join("|"),
  "gu",
);

const NEGATIONS = new Set([
  "not",
  "no",
  "never",
  "nothing",
  "nobody",
  "none",
  "nowhere",
  "neither",
  "nor",
  "cannot",
  "without",
  "hardly",
  "barely",
]);

function isNegation(word: string): boolean {
  return NEGATIONS.has(word) || word.endsWith("n't");
}

const SMILE = new Set([":)", ":]", "=)", ":d", "8)", ";)", ";]", ":p", ":3", "(:", "^_^", ":*", ":o)"]);
const FROWN = new Set([":(", ":[", "=(", ":/", ":\\", ":|", "):", ";(", "t_t", ";_;", "-_-", "</3"]);

/** Canonical form of an emoticon, so ":-)", ":)" and "=)" share one token. */
function emoticonToken(raw: string): string {
  const compact = raw.replace(/[-o^'](?=[)(\][DPpOo3/\\|*])/g, "").toLowerCase();
  if (compact === "<3") return "<3";
  if (SMILE.has(compact)) return ":)";
  if (FROWN.has(compact)) return ":(";
  return compact;
}

/**
 * Scan cleaned text and call `emit` for every token. Both `tokenize` and `tokenizeWithOffsets`
 * are thin wrappers over this, so they cannot disagree.
 */
function scan(
  cleaned: string,
  config: PreprocessConfig,
  emit: (token: string, start: number, end: number) => void,
) {
  let negated = false;
  for (const m of cleaned.matchAll(TOKEN_RE)) {
    const g = m.groups!;
    const start = m.index;
    const end = start + m[0].length;
    if (g.word !== undefined) {
      let w = g.word.includes("’") ? g.word.replace(/’/g, "'") : g.word;
      if (config.lowercase) w = w.toLowerCase();
      if (config.negation) {
        const neg = isNegation(w);
        emit(negated && !neg ? `neg_${w}` : w, start, end);
        if (neg) negated = true;
      } else {
        emit(w, start, end);
      }
    } else if (g.stop !== undefined) {
      negated = false;
    } else if (g.bang !== undefined || g.question !== undefined) {
      negated = false;
      if (config.punctuation) {
        const ch = m[0][0];
        emit(m[0].length > 1 ? ch + ch : ch, start, end);
      }
    } else if (g.url !== undefined || g.email !== undefined) {
      if (config.placeholders) emit(g.url !== undefined ? "<url>" : "<email>", start, end);
      else emit(config.lowercase ? m[0].toLowerCase() : m[0], start, end);
    } else if (g.emoticon !== undefined) {
      if (config.emoji) emit(emoticonToken(g.emoticon), start, end);
    } else if (g.emoji !== undefined) {
      if (config.emoji) emit(g.emoji.replace(/\uFE0F|\p{Emoji_Modifier}/gu, ""), start, end);
    }
  }
}

/** Raw text -> tokens. The hot path of training and serving. */
export function tokenize(text: string, config: PreprocessConfig = DEFAULT_PREPROCESS): string[] {
  const out: string[] = [];
  scan(clean(text, config), config, (token) => out.push(token));
  return out;
}

/** Raw text -> cleaned text and tokens with offsets into it, for explanations and highlighting. */
export function tokenizeWithOffsets(
  text: string,
  config: PreprocessConfig = DEFAULT_PREPROCESS,
): { cleaned: string; tokens: Token[] } {
  const cleaned = clean(text, config);
  const tokens: Token[] = [];
  scan(cleaned, config, (token, start, end) => tokens.push({ token, start, end }));
  return { cleaned, tokens };
}
