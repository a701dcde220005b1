// Each benchmark owns one section of BENCHMARKS.md, delimited by <!-- bench:name --> markers, and
// rewrites only that section so benchmarks can run in any order.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { writeFileAtomic } from "../src/util/atomic.ts";

export async function writeBenchSection(file: string, name: string, body: string): Promise<void> {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  let doc = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc =
    i >= 0 && j > i
      ? doc.slice(0, i) + section + doc.slice(j + end.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  await writeFileAtomic(file, doc);
}

export function machineDescription(): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  return `${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}; load average ${load} (1/5/15 min) when the report was written — other jobs shared the machine when it is above ~1`;
}
