// Progress reporting for long work. A bar on a TTY, one line per phase otherwise (CI logs), nothing
// with --quiet or --json (scripts read stdout; progress always goes to stderr).
import cliProgress from "cli-progress";
import type { ProgressEvent } from "../models/model.ts";

export interface OutputMode {
  quiet?: boolean;
  json?: boolean;
}

export interface Progress {
  update(event: ProgressEvent): void;
  stop(): void;
}

function formatMetrics(metrics?: Record<string, number>): string {
  if (!metrics) return "";
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(" ");
}

export function createProgress(mode: OutputMode = {}, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (mode.quiet || mode.json) return { update() {}, stop() {} };
  if (!stream.isTTY) {
    // Non-interactive: one line per phase when it completes, with its time and final metrics.
    let lastPhase = "";
    let lastMetrics: Record<string, number> | undefined;
    let since = performance.now();
    const finish = () => {
      if (!lastPhase) return;
      const metrics = formatMetrics(lastMetrics);
      stream.write(
        `[${lastPhase}] ${((performance.now() - since) / 1000).toFixed(1)} s${metrics ? ` ${metrics}` : ""}\n`,
      );
    };
    return {
      update(e) {
        if (e.phase !== lastPhase) {
          finish();
          lastPhase = e.phase;
          since = performance.now();
        }
        lastMetrics = e.metrics;
      },
      stop: finish,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: "{phase} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {metrics}",
      stream,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase = "";
  return {
    update(e) {
      if (e.phase !== phase) {
        if (phase) bar.stop();
        phase = e.phase;
        bar.start(e.total, e.done, { phase: e.phase, metrics: formatMetrics(e.metrics) });
      }
      bar.setTotal(e.total);
      bar.update(e.done, { phase: e.phase, metrics: formatMetrics(e.metrics) });
    },
    stop() {
      if (phase) bar.stop();
    },
  };
}
