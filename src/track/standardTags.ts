// The tags every run carries so a result can be traced back: code version (git commit and whether the
// tree had uncommitted changes), data (sha256), software (node + key package versions) and machine.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { arch, cpus, hostname, platform, userInfo } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../models/registry.ts";
import { MLFLOW_TAGS } from "./tracker.ts";

/** Packages whose version can change results; their installed versions go into the tags. */
const TRACKED_PACKAGES = ["better-sqlite3", "onnxruntime-node", "@huggingface/transformers", "zod"];

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    })
      .toString()
      .trim();
  } catch {
    return undefined; // not a git checkout (e.g. a Docker image): the tag is simply absent
  }
}

function installedVersion(pkg: string): string | undefined {
  const file = join(PROJECT_ROOT, "node_modules", pkg, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

let cached: Record<string, string> | undefined;

/** The user name MLflow records as the run's user_id. */
export function currentUser(): string {
  try {
    return process.env.MLFLOW_TRACKING_USERNAME ?? userInfo().username;
  } catch {
    return "unknown";
  }
}

/**
 * Tags describing the code and machine (computed once per process), plus the dataset digest when given.
 * @example standardTags({ datasetSha256: "ab12…" })
 *   // { "mlflow.source.git.commit": "3e8c263…", "git.dirty": "false", "dataset.sha256": "ab12…",
 *   //   "host": "box", "node.version": "v20.20.2", "package.zod": "4.6.7", ... }
 */
export function standardTags(
  options: { datasetSha256?: string; source?: string } = {},
): Record<string, string> {
  if (!cached) {
    const tags: Record<string, string> = {
      [MLFLOW_TAGS.user]: currentUser(),
      [MLFLOW_TAGS.sourceType]: "LOCAL",
      host: hostname(),
      platform: `${platform()}-${arch()}`,
      "cpu.count": String(cpus().length),
      "node.version": process.version,
    };
    const commit = git(["rev-parse", "HEAD"]);
    if (commit) {
      tags[MLFLOW_TAGS.gitCommit] = commit;
      tags["git.dirty"] = String((git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "");
    }
    const self = readOwnVersion();
    if (self) tags["package.imdb-sentiment"] = self;
    for (const pkg of TRACKED_PACKAGES) {
      const v = installedVersion(pkg);
      if (v) tags[`package.${pkg.replace(/^@/, "").replace(/[^\w.-]/g, "-")}`] = v;
    }
    cached = tags;
  }
  const out = { ...cached };
  out[MLFLOW_TAGS.sourceName] = options.source ?? process.argv.slice(1, 3).join(" ");
  if (options.datasetSha256) out["dataset.sha256"] = options.datasetSha256;
  return out;
}

function readOwnVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: string })
      .version;
  } catch {
    return undefined;
  }
}
