// readImdb on a tiny aclImdb fixture: archive and folder agree, labels/ratings/movie groups are
// right, unusable files are reported, and broken archives fail with a DataError naming the file.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { movieId, readImdb } from "../../src/data/imdb.ts";
import { DataError } from "../../src/util/errors.ts";
import { type ImdbFixture, makeImdbFixture } from "../helpers/fixtures.ts";

let fx: ImdbFixture;
beforeAll(async () => {
  fx = await makeImdbFixture();
});
afterAll(() => fx.cleanup());

describe("readImdb", () => {
  it("reads the archive: every usable review with label, rating and movie group", async () => {
    const data = await readImdb(fx.tarGz);
    expect(data.train).toEqual(fx.expected.train);
    expect(data.test).toEqual(fx.expected.test);
    expect(data.unsup).toEqual(fx.expected.unsup);
    expect(data.train.filter((r) => r.label === 1).map((r) => r.rating)).toEqual([9, 10, 7]);
    expect(data.unsup.every((r) => r.label === undefined && r.rating === undefined)).toBe(true);
  });

  it("gives identical reviews from the archive and the extracted folder", async () => {
    const fromTar = await readImdb(fx.tarGz);
    const fromFolder = await readImdb(fx.folder);
    expect(fromFolder.train).toEqual(fromTar.train);
    expect(fromFolder.test).toEqual(fromTar.test);
    expect(fromFolder.unsup).toEqual(fromTar.unsup);
    expect(fromFolder.skipped.map((s) => s.path).sort()).toEqual(
      fromTar.skipped.map((s) => s.path.slice(8)).sort(),
    );
  });

  it("keeps HTML and entities as they are in the file (cleaning is the tokenizer's job)", async () => {
    const data = await readImdb(fx.tarGz, { splits: ["train"] });
    expect(data.train.find((r) => r.id === "train/pos/1_10")?.text).toContain("<br /><br />Tom &amp; Jerry");
  });

  it("reports unusable files with the reason instead of dropping them", async () => {
    for (const path of [fx.tarGz, fx.folder]) {
      const data = await readImdb(path);
      expect(data.skipped).toHaveLength(fx.badFiles.length);
      for (const bad of fx.badFiles) {
        const hit = data.skipped.find((s) => s.path.endsWith(bad.path));
        expect(hit, `${bad.path} in ${path}`).toBeDefined();
        expect(hit!.reason).toMatch(bad.reason);
      }
    }
  });

  it("reads only the requested splits", async () => {
    const data = await readImdb(fx.tarGz, { splits: ["test"] });
    expect(data.train).toEqual([]);
    expect(data.unsup).toEqual([]);
    expect(data.test).toHaveLength(fx.expected.test.length);
  });

  it("hashes the archive bytes so models can record what they were trained on", async () => {
    const a = await readImdb(fx.tarGz);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await readImdb(fx.tarGz)).sha256).toBe(a.sha256);
  });

  it("fails with a DataError naming the file on a truncated archive", async () => {
    const bytes = readFileSync(fx.tarGz);
    const truncated = join(fx.root, "truncated.tar.gz");
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await readImdb(truncated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(truncated);
  });

  it("fails with a DataError naming the file when it is not gzip", async () => {
    const notGzip = join(fx.root, "garbage.tar.gz");
    writeFileSync(notGzip, "this is not an archive\n".repeat(100));
    const err = await readImdb(notGzip).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(notGzip);
  });

  it("fails with a DataError when the gzip holds no aclImdb reviews", async () => {
    const empty = join(fx.root, "other.tar.gz");
    writeFileSync(empty, gzipSync(Buffer.alloc(1024)));
    const err = await readImdb(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(empty);
  });

  it("fails with a DataError for a missing path", async () => {
    await expect(readImdb(join(fx.root, "nope.tar.gz"))).rejects.toThrow(DataError);
  });
});

describe("movieId", () => {
  it("extracts the IMDb title id from a review URL", () => {
    expect(movieId("http://www.imdb.com/title/tt0453418/usercomments")).toBe("tt0453418");
  });
});
