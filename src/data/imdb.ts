// Reader for the Large Movie Review Dataset (aclImdb) in its official layout, either straight from
// the .tar.gz (streamed: gunzip -> tar entries, nothing extracted to disk) or from an extracted folder.
//   aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt, aclImdb/train/unsup/<id>_0.txt
//   aclImdb/{train,test}/urls_{pos,neg,unsup}.txt   line i = IMDb URL of review id i's movie
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { DataError } from "../util/errors.ts";
import type { Polarity, Review, SplitName } from "./types.ts";

export interface ImdbData {
  train: Review[];
  test: Review[];
  unsup: Review[];
  /** sha256 of the archive file (or of the folder's review files, in path order). */
  sha256: string;
  /** Files that looked like reviews but could not be used, with the reason. Never silently dropped. */
  skipped: { path: string; reason: string }[];
}

export interface ReadImdbOptions {
  splits?: SplitName[];
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const REVIEW_PATH = /(?:^|\/)(train|test)\/(pos|neg|unsup)\/(\d+)_(\d+)\.txt$/;
const URLS_PATH = /(?:^|\/)(train|test)\/urls_(pos|neg|unsup)\.txt$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Movie id from an IMDb URL ("http://www.imdb.com/title/tt0453418/usercomments" -> "tt0453418"). */
export function movieId(url: string): string {
  const m = /title\/(tt\d+)/.exec(url);
  return m ? m[1] : url.trim();
}

class Collector {
  readonly data: ImdbData = { train: [], test: [], unsup: [], sha256: "", skipped: [] };
  private readonly urls = new Map<string, string[]>();
  constructor(private readonly splits: Set<SplitName>) {}

  wants(path: string): boolean {
    const m = REVIEW_PATH.exec(path);
    if (m) return this.splits.has(m[2] === "unsup" ? "unsup" : (m[1] as SplitName));
    return URLS_PATH.test(path);
  }

  add(path: string, bytes: Uint8Array): void {
    const u = URLS_PATH.exec(path);
    if (u) {
      // URLs are ASCII; a damaged URL list should cost movie groups, not the whole read.
      this.urls.set(`${u[1]}/${u[2]}`, Buffer.from(bytes).toString("utf8").split("\n"));
      return;
    }
    const m = REVIEW_PATH.exec(path);
    if (!m) return;
    const [, split, folder, id, rating] = m;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      this.data.skipped.push({ path, reason: "not valid UTF-8" });
      return;
    }
    if (text.trim() === "") {
      this.data.skipped.push({ path, reason: "empty review" });
      return;
    }
    const review: Review = { id: `${split}/${folder}/${id}_${rating}`, text };
    if (folder !== "unsup") {
      review.label = (folder === "pos" ? 1 : 0) as Polarity;
      review.rating = Number(rating);
    }
    (review as Review & { _num: number })._num = Number(id);
    const target = folder === "unsup" ? this.data.unsup : this.data[split as "train" | "test"];
    target.push(review);
  }

  finish(): ImdbData {
    for (const split of ["train", "test", "unsup"] as const) {
      const list = this.data[split];
      for (const r of list) {
        const [s, folder] = r.id.split("/");
        const urls = this.urls.get(`${s}/${folder}`);
        const n = (r as Review & { _num?: number })._num!;
        delete (r as Review & { _num?: number })._num;
        if (urls?.[n]) r.group = movieId(urls[n]);
      }
      // Archive order differs between tar and folder listings; sort so both give identical data.
      list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return this.data;
  }
}

async function readTarGz(path: string, collector: Collector, options: ReadImdbOptions): Promise<string> {
  const total = statSync(path).size;
  const hash = createHash("sha256");
  let read = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      read += chunk.length;
      options.onProgress?.(read, total);
      cb(null, chunk);
    },
  });
  const tar = extract();
  tar.on("entry", (header, stream, next) => {
    if (header.type !== "file" || !collector.wants(header.name)) {
      stream.on("end", next);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (c) => chunks.push(c as Buffer));
    stream.on("end", () => {
      collector.add(header.name, Buffer.concat(chunks));
      next();
    });
  });
  try {
    await pipeline(createReadStream(path), tap, createGunzip(), tar);
  } catch (err) {
    throw new DataError(
      `cannot read IMDb archive ${path}: ${(err as Error).message} (is it a complete .tar.gz?)`,
    );
  }
  return hash.digest("hex");
}

function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

function readFolder(dir: string, collector: Collector): string {
  const hash = createHash("sha256");
  const files = walk(dir)
    .filter((f) => collector.wants(f))
    .sort();
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    hash.update(f);
    hash.update(bytes);
    collector.add(f, bytes);
  }
  return hash.digest("hex");
}

/** Read the requested splits (default: all) from an aclImdb .tar.gz or extracted folder. */
export async function readImdb(path: string, options: ReadImdbOptions = {}): Promise<ImdbData> {
  if (!existsSync(path)) throw new DataError(`IMDb data not found at ${path}`);
  const collector = new Collector(new Set(options.splits ?? ["train", "test", "unsup"]));
  const sha256 = statSync(path).isDirectory()
    ? readFolder(path, collector)
    : await readTarGz(path, collector, options);
  const data = collector.finish();
  data.sha256 = sha256;
  const n = data.train.length + data.test.length + data.unsup.length;
  if (n === 0)
    throw new DataError(`no aclImdb reviews found in ${path} (expected train/pos/<id>_<rating>.txt etc.)`);
  return data;
}
