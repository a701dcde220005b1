// Tiny aclImdb-layout data sets for tests: the same reviews as a .tar.gz and as an extracted folder,
// plus the list of what a correct reader must return. Built fresh in a temp dir by each test, so no
// test depends on the real 57 MB archive.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export interface FixtureReview {
  split: "train" | "test";
  folder: "pos" | "neg" | "unsup";
  /** Review number within its folder (also the line of urls_<folder>.txt naming its movie). */
  num: number;
  rating: number;
  text: string;
  movie: string;
}

/** What `readImdb` must return for one review of the fixture (id, label, rating, group). */
export interface ExpectedReview {
  id: string;
  text: string;
  label?: 0 | 1;
  rating?: number;
  group: string;
}

export interface ImdbFixture {
  /** Temp dir holding everything; remove with `cleanup()`. */
  root: string;
  /** The archive, with paths under `aclImdb/` like the official one. */
  tarGz: string;
  /** The extracted folder (the `aclImdb` directory itself). */
  folder: string;
  /** Usable reviews per split, sorted by id, as a reader must return them. */
  expected: { train: ExpectedReview[]; test: ExpectedReview[]; unsup: ExpectedReview[] };
  /** Archive-relative paths (without the `aclImdb/` prefix) of files a reader must skip, with the reason's keyword. */
  badFiles: { path: string; reason: RegExp }[];
  cleanup(): void;
}

export interface ImdbFixtureOptions {
  /** Extra positive train reviews (for tests that need more data); texts are generated. */
  extraPerFolder?: number;
}

/** Text with HTML line breaks and entities, as many real IMDb reviews have. */
export const HTML_REVIEW =
  "A <i>great</i> film.<br /><br />Tom &amp; Jerry&#39;s best &quot;moment&quot; ever.";

const BASE: FixtureReview[] = [
  {
    split: "train",
    folder: "pos",
    num: 0,
    rating: 9,
    text: "Wonderful acting and a moving story.",
    movie: "tt0000001",
  },
  { split: "train", folder: "pos", num: 1, rating: 10, text: HTML_REVIEW, movie: "tt0000001" },
  {
    split: "train",
    folder: "pos",
    num: 2,
    rating: 7,
    text: "Good fun, I'd watch it again.",
    movie: "tt0000002",
  },
  {
    split: "train",
    folder: "neg",
    num: 0,
    rating: 1,
    text: "Dreadful. A waste of two hours.",
    movie: "tt0000003",
  },
  {
    split: "train",
    folder: "neg",
    num: 1,
    rating: 3,
    text: "Boring plot and wooden dialogue.",
    movie: "tt0000003",
  },
  {
    split: "train",
    folder: "neg",
    num: 2,
    rating: 4,
    text: "Not good, not terrible — just dull.",
    movie: "tt0000004",
  },
  {
    split: "train",
    folder: "unsup",
    num: 0,
    rating: 0,
    text: "Saw it last night with friends.",
    movie: "tt0000005",
  },
  {
    split: "train",
    folder: "unsup",
    num: 1,
    rating: 0,
    text: "The soundtrack is by a famous band. 🎸",
    movie: "tt0000006",
  },
  {
    split: "test",
    folder: "pos",
    num: 0,
    rating: 8,
    text: "Brilliant direction, superb cast!",
    movie: "tt0000007",
  },
  {
    split: "test",
    folder: "pos",
    num: 1,
    rating: 10,
    text: "A masterpiece. Loved every minute.",
    movie: "tt0000007",
  },
  {
    split: "test",
    folder: "neg",
    num: 0,
    rating: 2,
    text: "Awful script; terrible effects.",
    movie: "tt0000008",
  },
  {
    split: "test",
    folder: "neg",
    num: 1,
    rating: 1,
    text: "The worst movie I have seen this year.",
    movie: "tt0000009",
  },
];

/** Latin-1 bytes ("café" with 0xE9) are not valid UTF-8: readers must skip the file and say why. */
const NON_UTF8 = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x67, 0x6f, 0x6f, 0x64]);

function reviewPath(r: { split: string; folder: string; num: number; rating: number }): string {
  return `${r.split}/${r.folder}/${r.num}_${r.rating}.txt`;
}

/** Build the fixture's files as (relative path -> bytes), the single source for tar and folder. */
function buildEntries(options: ImdbFixtureOptions): {
  files: Map<string, Buffer>;
  reviews: FixtureReview[];
  badFiles: ImdbFixture["badFiles"];
} {
  const reviews = [...BASE];
  for (let i = 0; i < (options.extraPerFolder ?? 0); i++) {
    for (const folder of ["pos", "neg"] as const) {
      reviews.push({
        split: "train",
        folder,
        num: 100 + i,
        rating: folder === "pos" ? 8 : 2,
        text: `${folder === "pos" ? "Enjoyable" : "Tedious"} film number ${i}.`,
        movie: `tt1${String(i).padStart(6, "0")}`,
      });
    }
  }
  const files = new Map<string, Buffer>();
  files.set("README", Buffer.from("Large Movie Review Dataset (test fixture)\n"));
  files.set("imdb.vocab", Buffer.from("the\nand\na\n"));
  for (const r of reviews) files.set(reviewPath(r), Buffer.from(r.text, "utf8"));
  // Two unusable files; their numbers get URL lines too, so only the content is wrong.
  const bad = [
    { split: "train", folder: "pos", num: 3, rating: 8, bytes: NON_UTF8, reason: /UTF-8/ },
    { split: "test", folder: "neg", num: 2, rating: 3, bytes: Buffer.alloc(0), reason: /empty/ },
  ] as const;
  for (const b of bad) files.set(reviewPath(b), b.bytes);
  // urls_<folder>.txt: line i is the movie URL of review number i (the official format).
  for (const split of ["train", "test"] as const) {
    for (const folder of ["pos", "neg", "unsup"] as const) {
      const nums = [
        ...reviews
          .filter((r) => r.split === split && r.folder === folder)
          .map((r) => [r.num, r.movie] as const),
        ...bad
          .filter((b) => b.split === split && b.folder === folder)
          .map((b) => [b.num, "tt0999999"] as const),
      ];
      if (nums.length === 0) continue;
      const lines: string[] = [];
      for (const [num, movie] of nums) lines[num] = `http://www.imdb.com/title/${movie}/usercomments`;
      files.set(
        `${split}/urls_${folder}.txt`,
        Buffer.from(`${Array.from(lines, (l) => l ?? "").join("\n")}\n`),
      );
    }
  }
  return { files, reviews, badFiles: bad.map((b) => ({ path: reviewPath(b), reason: b.reason })) };
}

/** Pack (path -> bytes) into a gzipped tar whose entries sit under `aclImdb/`, with directory entries. */
export async function packTarGz(files: Map<string, Buffer>, prefix = "aclImdb/"): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    for (let d = dirname(path); d !== "."; d = dirname(d)) dirs.add(d);
  }
  p.entry({ name: prefix, type: "directory" });
  for (const d of [...dirs].sort()) p.entry({ name: `${prefix}${d}/`, type: "directory" });
  for (const [path, bytes] of files) p.entry({ name: `${prefix}${path}`, size: bytes.length }, bytes);
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/**
 * Create an aclImdb fixture in a new temp dir (or under `dir`): `<root>/aclImdb.tar.gz` and the
 * same files extracted in `<root>/aclImdb/`.
 * @example
 *   const fx = await makeImdbFixture();
 *   const data = await readImdb(fx.tarGz); // data.train has 6 reviews, fx.expected.train too
 *   fx.cleanup();
 */
export async function makeImdbFixture(dir?: string, options: ImdbFixtureOptions = {}): Promise<ImdbFixture> {
  const root = dir ?? mkdtempSync(join(tmpdir(), "imdb-fixture-"));
  mkdirSync(root, { recursive: true });
  const { files, reviews, badFiles } = buildEntries(options);
  const folder = join(root, "aclImdb");
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), bytes);
  }
  const tarGz = join(root, "aclImdb.tar.gz");
  writeFileSync(tarGz, await packTarGz(files));

  const expected: ImdbFixture["expected"] = { train: [], test: [], unsup: [] };
  for (const r of reviews) {
    const id = `${r.split}/${r.folder}/${r.num}_${r.rating}`;
    if (r.folder === "unsup") expected.unsup.push({ id, text: r.text, group: r.movie });
    else
      expected[r.split].push({
        id,
        text: r.text,
        label: r.folder === "pos" ? 1 : 0,
        rating: r.rating,
        group: r.movie,
      });
  }
  for (const list of Object.values(expected)) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    root,
    tarGz,
    folder,
    expected,
    badFiles,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A temp dir that the caller removes with the returned `cleanup`. */
export function makeTempDir(prefix = "sentiment-test-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
