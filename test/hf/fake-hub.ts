// A local HTTP server that answers like the Hugging Face hub's file URLs
// (<endpoint>/<owner>/<name>/resolve/<revision>/<file>), serving the fixture checkpoint for repos
// named "test-org/full*" and everything but its ONNX files for "test-org/no-onnx*".
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { FIXTURE_DIR } from "./fixture.ts";

export interface FakeHub {
  endpoint: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

function serve(path: string): Buffer | undefined {
  const m = /^\/test-org\/([\w-]+)\/resolve\/main\/(.+)$/.exec(path);
  if (!m) return undefined;
  const [, repo, file] = m;
  if (repo.startsWith("no-onnx") && file.startsWith("onnx/")) return undefined;
  if (!repo.startsWith("full") && !repo.startsWith("no-onnx")) return undefined;
  const local = join(FIXTURE_DIR, file);
  return existsSync(local) ? readFileSync(local) : undefined;
}

export async function startFakeHub(): Promise<FakeHub> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const body = serve(decodeURIComponent(req.url ?? ""));
    if (!body) {
      res.writeHead(404).end("Entry not found");
      return;
    }
    res.writeHead(200, { "content-length": body.length }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** Set environment variables for a test file and get a function that restores them. */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  };
  apply(vars);
  return () => apply(saved);
}
