// `sentiment serve`: the REST API and web UI (also `npm start`). Settings come from flags, then the
// environment (HOST, PORT, SENTIMENT_*), then defaults; see src/serve/config.ts.
import type { Command } from "commander";
import { configFromEnv, resolveServeConfig, type ServeConfigInput } from "../../serve/config.ts";

interface ServeFlags {
  host?: string;
  port?: string;
  model?: string;
  modelsDir?: string;
  registry?: string;
  dataDir?: string;
  rateLimit?: string;
  logLevel?: string;
  ui?: boolean;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("Serve the REST API (/v1, docs at /docs) and the web UI on http://HOST:PORT")
    .option("--host <host>", "address to listen on (env HOST; default 127.0.0.1)")
    .option("--port <port>", "port (env PORT; default 8080; 0 picks a free one)")
    .option(
      "--model <spec>",
      "model to serve: an id in the models folder, a file, or hf:<folder> (default: bundled)",
    )
    .option("--models-dir <dir>", "folder of models to list and switch between (env SENTIMENT_MODELS_DIR)")
    .option(
      "--registry <uri>",
      "tracking store for registry models and the Experiments tab: a URI, on or off " +
        "(env SENTIMENT_REGISTRY; default: on when MLFLOW_TRACKING_URI is set or ./mlruns exists)",
    )
    .option(
      "--data-dir <dir>",
      "where the feedback database lives (env SENTIMENT_HOME; default ./.sentiment)",
    )
    .option("--rate-limit <n>", "requests per minute per client on /v1; 0 = off (env SENTIMENT_RATE_LIMIT)")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (env LOG_LEVEL)")
    .option("--no-ui", "serve the API only, without the web UI")
    .action(async (flags: ServeFlags) => {
      const fromFlags: ServeConfigInput = {
        host: flags.host,
        port: flags.port,
        model: flags.model,
        modelsDir: flags.modelsDir,
        registry: flags.registry,
        dataDir: flags.dataDir,
        rateLimit: flags.rateLimit,
        logLevel: flags.logLevel as ServeConfigInput["logLevel"],
        ui: flags.ui === false ? false : undefined,
      };
      let config = resolveServeConfig(configFromEnv(), fromFlags);
      // Imported here so other commands do not pay for loading Fastify and its plugins.
      const { runServer } = await import("../../serve/server.ts");
      const { openServeSources } = await import("../../serve/sources.ts");
      const { source, tracker, model } = await openServeSources(config);
      if (model !== config.model) config = Object.freeze({ ...config, model });
      try {
        await runServer({ config, source, tracker });
      } finally {
        await source.close?.();
        await tracker?.close();
      }
    });
}
