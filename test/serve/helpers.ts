// Shared set-up for the server tests: the REAL bundled model (loaded once per test file) and apps built
// around it with a fresh temporary data directory. Requests go through app.inject, never a port.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { nblrFamily } from "../../src/models/nblr/family.ts";
import { DEFAULT_MODEL_PATH, PROJECT_ROOT } from "../../src/models/registry.ts";
import { buildApp, loadInitialModel } from "../../src/serve/app.ts";
import { resolveServeConfig, type ServeConfigInput } from "../../src/serve/config.ts";
import type { ActiveModel } from "../../src/serve/modelHolder.ts";
import { DirectoryModelSource } from "../../src/serve/modelSource.ts";

export { DEFAULT_MODEL_PATH, PROJECT_ROOT };

let bundled: Promise<ActiveModel> | undefined;

/** The bundled model, loaded once and shared by every app of a test file. */
export function bundledModel(): Promise<ActiveModel> {
  bundled ??= (async () => {
    const config = resolveServeConfig({ modelsDir: join(PROJECT_ROOT, "models") });
    return loadInitialModel(config, new DirectoryModelSource(config.modelsDir));
  })();
  return bundled;
}

export interface TestApp {
  app: FastifyInstance;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * An app serving the bundled model, with its own temp data dir; `overrides` change any setting.
 * `initialFromSource` names the models-dir entry the (already loaded) bundled model stands for, for
 * tests whose models folder holds a copy of it.
 */
export async function testApp(
  overrides: ServeConfigInput = {},
  logger: unknown = false,
  options: { initialFromSource?: string } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "sentiment-serve-test-"));
  const config = resolveServeConfig(
    { modelsDir: join(PROJECT_ROOT, "models"), dataDir, logLevel: "silent" },
    overrides,
  );
  let initial = await bundledModel();
  if (options.initialFromSource) {
    const entry = await new DirectoryModelSource(config.modelsDir).get(options.initialFromSource);
    if (!entry || entry.version !== initial.entry.version)
      throw new Error("models dir has no copy of the bundled model");
    initial = { ...initial, entry };
  }
  const app = await buildApp({ config, initial, logger: logger as never });
  await app.ready();
  return {
    app,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST a JSON body (object, or a raw string/Buffer sent as-is). */
export function postJson(
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/json", ...headers },
    payload: typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

/** A multipart/form-data body with one file field. */
export function multipart(filename: string, content: string | Buffer, field = "file", type = "text/csv") {
  const boundary = `----sentimenttest${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, Buffer.isBuffer(content) ? content : Buffer.from(content), tail]),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

export const POSITIVE_REVIEW =
  "A wonderful, moving film. The acting is superb, the script is sharp and funny, and I loved every minute of it.";
export const NEGATIVE_REVIEW =
  "A boring, badly written mess. The acting is awful, the plot makes no sense and it is a waste of time.";

/** A second, different real model: the nblr family fitted on a handful of reviews (well under a second). */
export async function trainSmallModel(path: string): Promise<void> {
  const texts = [
    ["a wonderful film, loved it", 1],
    ["great acting and a moving story", 1],
    ["brilliant, funny and warm", 1],
    ["superb and beautiful", 1],
    ["awful, boring waste of time", 0],
    ["terrible plot and bad acting", 0],
    ["dull, predictable and far too long", 0],
    ["the worst film this year", 0],
  ] as const;
  const reviews = texts.map(([text, label], i) => ({ id: String(i), text, label, rating: label ? 9 : 2 }));
  const model = nblrFamily.create({ ngrams: { minN: 1, maxN: 1, hashBits: 12 }, minDf: 1, C: [1] });
  await model.fit({ train: reviews, validation: reviews });
  await model.save(path);
}
