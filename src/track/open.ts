// Chooses the tracking store from a URI, MLflow's way: the argument, else $MLFLOW_TRACKING_URI, else
// ./mlruns. `http(s)://…` talks to an MLflow tracking server; anything else is the embedded store:
//   sqlite:///rel/path.db  sqlite:////abs/path.db   (SQLAlchemy's convention, as MLflow uses it)
//   file:./dir  file:///abs/dir  ./dir             -> <dir>/mlruns.db (+ <dir>/artifacts)
//   ./path/x.db                                   -> that database (+ artifacts beside it)
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../util/errors.ts";
import { SqliteTracker } from "./sqliteStore.ts";
import type { Tracker } from "./tracker.ts";

export const DEFAULT_TRACKING_DIR = "mlruns";
export const DB_FILE_NAME = "mlruns.db";

/** The database file an embedded-store URI points at, or undefined for a server URI. */
export function embeddedDbPath(uri: string): string | undefined {
  if (/^https?:\/\//i.test(uri)) return undefined;
  if (uri.startsWith("sqlite:")) {
    const m = /^sqlite:\/\/\/(.+)$/.exec(uri);
    if (!m)
      throw new UserError(
        `tracking URI "${uri}" is not sqlite:///<path> (sqlite:////abs/path.db for an absolute path)`,
      );
    return resolve(m[1]);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith("file:")) {
    throw new UserError(
      `unsupported tracking URI "${uri}": use a folder, sqlite:///<file>.db, file:<folder> or http(s)://`,
    );
  }
  let path = uri;
  if (uri.startsWith("file://")) path = fileURLToPath(uri);
  else if (uri.startsWith("file:")) path = uri.slice("file:".length);
  return path.endsWith(".db") ? resolve(path) : resolve(path, DB_FILE_NAME);
}

/** The tracking URI in effect: explicit, else $MLFLOW_TRACKING_URI, else ./mlruns. */
export function trackingUri(uri?: string): string {
  return uri || process.env.MLFLOW_TRACKING_URI || DEFAULT_TRACKING_DIR;
}

/**
 * Open the tracker for `uri` (see the file comment). Close it when done.
 * @example const tracker = await openTracker(); // ./mlruns/mlruns.db
 * @throws UserError for an unsupported or unreachable URI
 */
export async function openTracker(uri?: string): Promise<Tracker> {
  const effective = trackingUri(uri);
  const db = embeddedDbPath(effective);
  if (db) return new SqliteTracker(db);
  const { MlflowRestTracker } = await import("./mlflowRest.ts");
  return new MlflowRestTracker(effective);
}

/** Open the tracker, run `body`, and always close it. */
export async function withTracker<T>(uri: string | undefined, body: (t: Tracker) => Promise<T>): Promise<T> {
  const tracker = await openTracker(uri);
  try {
    return await body(tracker);
  } finally {
    await tracker.close();
  }
}

/** Help text of the --tracking-uri option, shared by the commands that take it. */
export const TRACKING_URI_HELP = "tracking store (default: $MLFLOW_TRACKING_URI, else ./mlruns)";
