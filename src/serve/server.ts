// The only place that listens. Starts the app, logs where it serves, and shuts down gracefully on
// SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (up to a timeout), close the
// feedback database, then resolve so the process exits 0.
import type { FastifyInstance } from "fastify";
import { UserError } from "../util/errors.ts";
import { type BuildAppOptions, buildApp } from "./app.ts";

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Resolves when the server has shut down (after a signal or `close()`). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Build the app and listen on config.host:config.port. @throws UserError when the address is taken. */
export async function startServer(options: BuildAppOptions): Promise<RunningServer> {
  const { config } = options;
  const app = await buildApp(options);
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new UserError(
        `port ${config.port} on ${config.host} is already in use; stop the other server or set PORT`,
      );
    }
    if (code === "EACCES")
      throw new UserError(`not allowed to listen on ${config.host}:${config.port}; use a port above 1023`);
    if (code === "EADDRNOTAVAIL")
      throw new UserError(`HOST ${config.host} is not an address of this machine`);
    throw err;
  }
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= app.close().then(resolveClosed);
    return closing;
  };
  return { app, url, closed, close };
}

/** Start, then wait for SIGTERM/SIGINT and shut down gracefully. Resolves after shutdown. */
export async function runServer(options: BuildAppOptions): Promise<void> {
  const server = await startServer(options);
  const { app } = server;
  app.log.info(
    { url: server.url, docs: `${server.url}/docs`, ui: options.config.ui ? server.url : null },
    "sentiment service ready",
  );
  // process.once: a second signal gets Node's default handling and ends the process at once.
  const onSignal = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, "shutting down: finishing in-flight requests");
    const timer = setTimeout(() => {
      app.log.error(
        { timeoutMs: options.config.shutdownTimeoutMs },
        "shutdown timed out; exiting with requests still open",
      );
      process.exit(1);
    }, options.config.shutdownTimeoutMs);
    timer.unref();
    server.close().catch((err) => app.log.error({ err }, "error during shutdown"));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    await server.closed;
  } finally {
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("SIGINT", onSignal);
  }
  app.log.info("shut down cleanly");
}
