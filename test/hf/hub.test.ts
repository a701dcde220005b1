// The download path, against a local HTTP server that serves files under the hub's URL scheme
// (<endpoint>/<owner>/<name>/resolve/<revision>/<file>), with HF_ENDPOINT (-> transformers.js'
// env.remoteHost) pointing at it and the cache in a temp dir.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HfModel } from "../../src/models/hf/index.ts";
import { ModelFileError, UserError } from "../../src/util/errors.ts";
import { type FakeHub, startFakeHub, withEnv } from "./fake-hub.ts";
import { FIXTURE_DIR, reference } from "./fixture.ts";

let hub: FakeHub;
let endpoint: string;
let cache: string;
let restoreEnv: () => void;
const requests = () => hub.requests;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), "hf-cache-"));
  hub = await startFakeHub();
  endpoint = hub.endpoint;
  restoreEnv = withEnv({ SENTIMENT_CACHE: cache, HF_HUB_OFFLINE: undefined, HF_ENDPOINT: endpoint });
});

afterAll(async () => {
  await hub.close();
  rmSync(cache, { recursive: true, force: true });
  restoreEnv();
});

describe("hf checkpoints from the hub", () => {
  it("downloads once into the cache, then runs offline from it", async () => {
    const model = await HfModel.load("test-org/full");
    try {
      const [l0, l1] = await model.logitsForIds([reference.single[0].input_ids]);
      expect(Math.abs(l0 - reference.single[0].logits[0])).toBeLessThan(1e-4);
      expect(Math.abs(l1 - reference.single[0].logits[1])).toBeLessThan(1e-4);
      expect(model.metadata().details?.source).toBe("hub");
      expect(model.metadata().details?.checkpoint).toBe("test-org/full");
    } finally {
      await model.dispose();
    }
    expect(requests().some((r) => r === "/test-org/full/resolve/main/onnx/model.onnx")).toBe(true);
    expect(existsSync(join(cache, "hf", "test-org", "full", "onnx", "model.onnx"))).toBe(true);

    const before = requests().length;
    const offline = await HfModel.load("test-org/full?offline=1");
    try {
      const [p] = await offline.predictProba([reference.single[0].text]);
      expect(p).toBeGreaterThan(0.9);
    } finally {
      await offline.dispose();
    }
    expect(requests().length).toBe(before);
  });

  it("offline and not cached: a UserError that says so, without touching the network", async () => {
    const before = requests().length;
    await expect(HfModel.load("test-org/full-never-downloaded?offline=1")).rejects.toThrow(UserError);
    await expect(HfModel.load("test-org/full-never-downloaded?offline=1")).rejects.toThrow(
      /not in the cache.*offline mode/,
    );
    process.env.HF_HUB_OFFLINE = "1";
    try {
      await expect(HfModel.load("test-org/full-never-downloaded")).rejects.toThrow(/offline mode/);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(requests().length).toBe(before);
  });

  it("a repo without ONNX weights: says which file is missing and how to export it", async () => {
    await expect(HfModel.load("test-org/no-onnx")).rejects.toThrow(
      /onnx\/model\.onnx or onnx\/model_quantized\.onnx.*optimum-cli/,
    );
  });

  it("an unreachable hub: a UserError naming the endpoint", async () => {
    const dead = createServer();
    await new Promise<void>((ok) => dead.listen(0, "127.0.0.1", ok));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((ok) => dead.close(ok));
    process.env.HF_ENDPOINT = `http://127.0.0.1:${port}`;
    try {
      const err = await HfModel.load("test-org/full-unreachable").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(new RegExp(`cannot download .*127\\.0\\.0\\.1:${port}`));
    } finally {
      process.env.HF_ENDPOINT = endpoint;
    }
  });
});

describe("hf checkpoints from folders", () => {
  it("a missing folder that is not a hub id", async () => {
    await expect(HfModel.load("./no/such/folder")).rejects.toThrow(
      /neither an existing folder nor a valid hub id/,
    );
  });

  it("a folder without ONNX weights, or without the requested int8 file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hf-noonnx-"));
    try {
      for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
        writeFileSync(join(dir, f), readFileSync(join(FIXTURE_DIR, f)));
      }
      await expect(HfModel.load(dir)).rejects.toThrow(ModelFileError);
      await expect(HfModel.load(dir)).rejects.toThrow(/has no ONNX weights.*found no \.onnx files/);
      mkdirSync(join(dir, "onnx"));
      writeFileSync(join(dir, "onnx", "model.onnx"), readFileSync(join(FIXTURE_DIR, "onnx", "model.onnx")));
      await expect(HfModel.load(`${dir}?dtype=q8`)).rejects.toThrow(
        /no onnx\/model_quantized\.onnx.*found onnx\/model\.onnx/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a corrupt ONNX file is a ModelFileError naming the folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hf-corrupt-"));
    try {
      for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
        writeFileSync(join(dir, f), readFileSync(join(FIXTURE_DIR, f)));
      }
      mkdirSync(join(dir, "onnx"));
      writeFileSync(
        join(dir, "onnx", "model.onnx"),
        readFileSync(join(FIXTURE_DIR, "onnx", "model.onnx")).subarray(0, 5000),
      );
      await expect(HfModel.load(dir)).rejects.toThrow(ModelFileError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("unknown options are rejected with the list of valid ones", async () => {
    await expect(HfModel.load(`${FIXTURE_DIR}?longtext=chunks`)).rejects.toThrow(
      /unknown option.*longtext.*valid: .*longText/,
    );
    await expect(HfModel.load(`${FIXTURE_DIR}?longText=middle`)).rejects.toThrow(/invalid option.*longText/);
  });
});
