// Runs the real `sentiment` CLI (bin/sentiment.mjs) in a child process, as a user would, and
// captures stdout, stderr and the exit code.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(PROJECT_ROOT, "bin", "sentiment.mjs");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `sentiment <args>`, with optional stdin text and extra environment variables. */
export function runCli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
