// `--init <hub id>`: the checkpoint's config, weights and tokenizer are downloaded into the cache
// (here from a local stand-in for the hub), after which training and loading work offline.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Review } from "../../src/data/types.ts";
import { DistilBertModel } from "../../src/models/distilbert/index.ts";
import { UserError } from "../../src/util/errors.ts";
import { type FakeHub, startFakeHub, withEnv } from "../hf/fake-hub.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";

const reviews: Review[] = [
  { id: "p", text: "A wonderful, moving film with superb acting.", label: 1 },
  { id: "n", text: "A complete waste of time; the plot made no sense.", label: 0 },
];

let hub: FakeHub;
let cache: string;
let restore: () => void;
beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), "distilbert-hub-"));
  hub = await startFakeHub();
  restore = withEnv({ SENTIMENT_CACHE: cache, HF_ENDPOINT: hub.endpoint, HF_HUB_OFFLINE: undefined });
});
afterAll(async () => {
  restore();
  await hub.close();
  rmSync(cache, { recursive: true, force: true });
});

describe.skipIf(!hasTorch)(
  `distilbert --init <hub id>${torchSkipReason ? ` (${torchSkipReason})` : ""}`,
  () => {
    it("downloads config, weights and tokenizer once, then trains offline from the cache", async () => {
      const params = { init: "test-org/full-distilbert", batchSize: 2, phase1Epochs: 1, phase2Epochs: 0 };
      const m = new DistilBertModel(params);
      await m.fit({ train: reviews, validation: reviews });
      expect(existsSync(join(cache, "hf", "test-org", "full-distilbert", "model.safetensors"))).toBe(true);
      expect(m.metadata().details?.sourceCheckpoint).toBe("test-org/full-distilbert");
      await m.dispose();
      const before = hub.requests.length;
      const offline = new DistilBertModel({ ...params, offline: true });
      await offline.fit({ train: reviews, validation: reviews });
      expect(hub.requests.length).toBe(before);
      await offline.dispose();
    });

    it("offline and not cached, or a repo the hub does not have: a UserError saying which", async () => {
      await expect(
        new DistilBertModel({ init: "test-org/full-never", offline: true }).fit({
          train: reviews,
          validation: [],
        }),
      ).rejects.toThrow(/not in the cache .*offline mode/);
      const err = await new DistilBertModel({ init: "test-org/missing" })
        .fit({ train: reviews, validation: [] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/config\.json .*HTTP 404/);
    });
  },
);
