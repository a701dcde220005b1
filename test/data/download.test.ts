// downloadArchive against a local HTTP server (127.0.0.1, ephemeral port) serving a fixture archive:
// full download, resume after a dropped connection, servers that ignore Range, checksum mismatch, 404.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DownloadError, downloadArchive } from "../../src/data/download.ts";
import { readImdb } from "../../src/data/imdb.ts";
import { DataError } from "../../src/util/errors.ts";
import { runCli } from "../helpers/cli.ts";
import { type ImdbFixture, makeImdbFixture, makeTempDir } from "../helpers/fixtures.ts";

const tmp = makeTempDir();
let fx: ImdbFixture;
let archive: Buffer;
let sha256: string;
let server: Server;
let base: string;

/** How the server answers the next requests; tests set it. */
let behaviour: {
  /** Drop the connection after sending this many body bytes (first request only). */
  dropAfter?: number;
  ignoreRange?: boolean;
} = {};
const requests: { range?: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse) {
  requests.push({ range: req.headers.range });
  if (req.url !== "/aclImdb_v1.tar.gz") {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = m && !behaviour.ignoreRange ? Number(m[1]) : 0;
  if (start >= archive.length) {
    res.writeHead(416, { "Content-Range": `bytes */${archive.length}` }).end();
    return;
  }
  const body = archive.subarray(start);
  const headers: Record<string, string | number> = {
    "Content-Length": body.length,
    "Accept-Ranges": "bytes",
  };
  if (start > 0) headers["Content-Range"] = `bytes ${start}-${archive.length - 1}/${archive.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  if (behaviour.dropAfter !== undefined) {
    const n = behaviour.dropAfter;
    behaviour.dropAfter = undefined;
    // end(), not destroy(): a reset can make the client discard bytes it already received. The pause
    // lets the client drain what arrived: fetch's body stream drops its unread queue when it errors.
    res.write(body.subarray(0, n), () => setTimeout(() => res.socket?.end(), 500));
    return;
  }
  res.end(body);
}

beforeAll(async () => {
  // Enough reviews that the archive spans several network chunks.
  fx = await makeImdbFixture(join(tmp.dir, "fixture"), { extraPerFolder: 2000 });
  archive = readFileSync(fx.tarGz);
  sha256 = createHash("sha256").update(archive).digest("hex");
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});
afterEach(() => {
  behaviour = {};
  requests.length = 0;
});

let n = 0;
const destFile = () => join(tmp.dir, `dl-${n++}`, "aclImdb_v1.tar.gz");

describe("downloadArchive", () => {
  it("downloads, verifies and renames into place, reporting progress", async () => {
    const dest = destFile();
    const progress: number[] = [];
    const r = await downloadArchive({
      url: `${base}/aclImdb_v1.tar.gz`,
      sha256,
      dest,
      onProgress: (received, total) => {
        progress.push(received);
        expect(total).toBe(archive.length);
      },
    });
    expect(r).toMatchObject({
      path: dest,
      bytes: archive.length,
      sha256,
      resumedFrom: 0,
      alreadyPresent: false,
    });
    expect(readFileSync(dest).equals(archive)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(progress.at(-1)).toBe(archive.length);
    expect((await readImdb(dest)).train.length).toBe(fx.expected.train.length);

    const again = await downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256, dest });
    expect(again.alreadyPresent).toBe(true);
    expect(requests).toHaveLength(1); // the second call found a verified file and did not fetch
  });

  it("keeps the part file when the connection drops, and resumes it with a Range request", async () => {
    const dest = destFile();
    const cut = Math.floor(archive.length / 3);
    behaviour.dropAfter = cut;
    const err = await downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256, dest }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/interrupted after \d+ bytes.*run again to resume/);
    expect(existsSync(dest)).toBe(false);
    const partSize = statSync(`${dest}.part`).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThanOrEqual(cut);

    const r = await downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256, dest });
    expect(r.resumedFrom).toBe(partSize);
    expect(requests.at(-1)?.range).toBe(`bytes=${partSize}-`);
    expect(readFileSync(dest).equals(archive)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("starts over when the server ignores Range", async () => {
    const dest = destFile();
    behaviour.dropAfter = 1000;
    await expect(downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256, dest })).rejects.toThrow(
      DownloadError,
    );
    behaviour.ignoreRange = true;
    const r = await downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256, dest });
    expect(r.resumedFrom).toBe(0);
    expect(readFileSync(dest).equals(archive)).toBe(true);
  });

  it("finishes a part file that is already complete (416 from the server)", async () => {
    const dest = destFile();
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(`${dest}.part`, archive);
    const r = await downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256, dest });
    expect(r).toMatchObject({ sha256, resumedFrom: archive.length });
    expect(requests).toEqual([{ range: `bytes=${archive.length}-` }]);
    expect(readFileSync(dest).equals(archive)).toBe(true);
  });

  it("deletes the download and fails with a DataError on a checksum mismatch", async () => {
    const dest = destFile();
    const wrong = "0".repeat(64);
    const err = await downloadArchive({ url: `${base}/aclImdb_v1.tar.gz`, sha256: wrong, dest }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(`expected sha256 ${wrong}, got ${sha256}`);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("reports the HTTP status for a missing file and creates nothing", async () => {
    const dest = destFile();
    const err = await downloadArchive({ url: `${base}/missing.tar.gz`, sha256, dest }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/HTTP 404 Not Found/);
    expect(existsSync(dest)).toBe(false);
  });

  it("reports a network error (nothing listening)", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      downloadArchive({ url: `http://127.0.0.1:${port}/a.tar.gz`, sha256, dest: destFile() }),
    ).rejects.toThrow(/cannot download .*ECONNREFUSED/);
  });
});

describe("sentiment data download", () => {
  it("downloads into --out and prints the result as JSON", async () => {
    const dest = destFile();
    const r = await runCli([
      "data",
      "download",
      "--url",
      `${base}/aclImdb_v1.tar.gz`,
      "--sha256",
      sha256,
      "--out",
      dest,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      path: dest,
      bytes: archive.length,
      sha256,
      alreadyPresent: false,
    });
    expect(readFileSync(dest).equals(archive)).toBe(true);
  });

  it("exits 5 with the HTTP status when the URL is wrong", async () => {
    const r = await runCli([
      "data",
      "download",
      "--url",
      `${base}/nope.tar.gz`,
      "--out",
      destFile(),
      "--quiet",
    ]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/HTTP 404/);
  });
});
