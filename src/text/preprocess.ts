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

// Alternatives are tried left to right at each position. Words come first because they are most
// tokens: trying rarer patterns first at every position made tokenizing ~4x slower. Groups are
// numbered, not named: named groups allocate an object per match on the hot path.
const WORD = 1;
const BANG = 2;
const QUESTION = 3;
const EMOTICON = 4;
const STOP = 5;
const EMOJI = 6;
const TOKEN_RE = new RegExp(
  [
    String.raw`([\p{L}\p{N}]+(?:['’][\p{L}]+)*)`,
    "(!+)",
    String.raw`(\?+)`,
    // Emoticons must not touch letters or digits, so "re:" or "(3:2)" are not read as faces.
    String.raw`((?<![\p{L}\p{N}])(?:[:;=][\-o^']?[)(\]\[DPpOo3/\\|*]|[)(\]\[][\-o^']?[:;=]|<3|<\/3|\^_\^|-_-|;_;)(?![\p{L}\p{N}]))`,
    String.raw`([.,;:()\[\]])`,
    String.raw`(\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*)`,
  ].join("|"),
  "gu",
);

// URLs and e-mail addresses are found in a separate pass, only in texts that can contain them.
const LINK_RE = /(?:https?:\/\/|www\.)[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

interface Link {
  start: number;
  end: number;
  token: string;
  emitted?: boolean;
}

function findLinks(cleaned: string, config: PreprocessConfig): Link[] {
  if (!cleaned.includes("@") && !cleaned.includes("://") && !cleaned.includes("www.")) return [];
  return Array.from(cleaned.matchAll(LINK_RE), (m) => ({
    start: m.index,
    end: m.index + m[0].length,
    token: config.placeholders
      ? m[0].includes("@") && !/^(?:https?:\/\/|www\.)/.test(m[0])
        ? "<email>"
        : "<url>"
      : config.lowercase
        ? m[0].toLowerCase()
        : m[0],
  }));
}

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
  const links = findLinks(cleaned, config);
  let next = 0; // links before `next` are emitted
  const emitLink = (link: Link) => {
    if (!link.emitted) emit(link.token, link.start, link.end);
    link.emitted = true;
  };
  const re = new RegExp(TOKEN_RE); // own lastIndex: scan may run in nested calls
  for (let m = re.exec(cleaned); m !== null; m = re.exec(cleaned)) {
    const start = m.index;
    const text = m[0];
    const end = start + text.length;
    while (next < links.length && links[next].end <= start) emitLink(links[next++]);
    if (next < links.length && links[next].start <= start) {
      emitLink(links[next]); // a match inside a link stands for the whole link, once
      continue;
    }
    if (m[WORD] !== undefined) {
      let w = text.includes("’") ? text.replace(/’/g, "'") : text;
      if (config.lowercase) w = w.toLowerCase();
      if (config.negation) {
        const neg = isNegation(w);
        emit(negated && !neg ? `neg_${w}` : w, start, end);
        if (neg) negated = true;
      } else {
        emit(w, start, end);
      }
    } else if (m[STOP] !== undefined) {
      negated = false;
    } else if (m[BANG] !== undefined || m[QUESTION] !== undefined) {
      negated = false;
      if (config.punctuation) emit(text.length > 1 ? text[0] + text[0] : text[0], start, end);
    } else if (m[EMOTICON] !== undefined) {
      if (config.emoji) emit(emoticonToken(text), start, end);
    } else if (m[EMOJI] !== undefined) {
      if (config.emoji) emit(text.replace(/\uFE0F|\p{Emoji_Modifier}/gu, ""), start, end);
    }
  }
  while (next < links.length) emitLink(links[next++]);
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
