// An EvalReport as JSON, Markdown and one self-contained HTML page (inline CSS and SVG; a
// Content-Security-Policy forbids every external load), plus the plots on their own for the web UI.
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.ts";
import {
  confusionMatrixChart,
  histogramChart,
  reliabilityChart,
  robustnessChart,
  rocChart,
} from "./plots.ts";
import { escapeXml } from "./svg.ts";
import type { EvalReport, Proportion, RobustnessRow } from "./types.ts";

export interface ReportPlots {
  confusion: string;
  roc: string;
  reliability: string;
  histogram: string;
  /** Null when the report has no robustness section. */
  robustness: string | null;
}

/** Every plot of the report as a standalone SVG string. */
export function renderPlots(report: EvalReport): ReportPlots {
  const m = report.metrics;
  return {
    confusion: confusionMatrixChart(m.confusion),
    roc: rocChart(report.curves.roc, m.rocAuc),
    reliability: reliabilityChart(m.calibration, m.ece),
    histogram: histogramChart(report.curves.histogram, m.threshold),
    robustness: report.robustness ? robustnessChart(report.robustness) : null,
  };
}

export function renderJson(report: EvalReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const f4 = (v: number | null | undefined) => (v === null || v === undefined ? "n/a" : v.toFixed(4));
const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)}%`;
const int = (v: number) => v.toLocaleString("en-US");
const ci = (p: Proportion) => `${pct(p.value)} (95% CI ${pct(p.low)}–${pct(p.high)})`;
const signedPts = (d: number | null) =>
  d === null ? "n/a" : `${d >= 0 ? "+" : "−"}${Math.abs(d * 100).toFixed(2)} pts`;

interface Row {
  cells: string[];
}

/** Rows shared by the Markdown and HTML renderers, so both always show the same numbers. */
function metricRows(r: EvalReport): Row[] {
  const m = r.metrics;
  const rows: [string, string][] = [
    ["Accuracy", ci(m.accuracy)],
    ["ROC-AUC", m.rocAuc === null ? "undefined (one class only)" : f4(m.rocAuc)],
    ["Macro F1", f4(m.macro.f1)],
    ["Log-loss", f4(m.logLoss)],
    ["Brier score", f4(m.brier)],
    [`ECE (${m.calibration.length} bins)`, f4(m.ece)],
    ["Max calibration error", f4(m.mce)],
    ["Threshold", String(m.threshold)],
  ];
  return rows.map((cells) => ({ cells }));
}

function classRows(r: EvalReport): Row[] {
  const { negative, positive } = r.metrics.perClass;
  const macro = r.metrics.macro;
  return [
    {
      cells: [
        "negative",
        f4(negative.precision),
        f4(negative.recall),
        f4(negative.f1),
        int(negative.support),
      ],
    },
    {
      cells: [
        "positive",
        f4(positive.precision),
        f4(positive.recall),
        f4(positive.f1),
        int(positive.support),
      ],
    },
    { cells: ["macro avg", f4(macro.precision), f4(macro.recall), f4(macro.f1), int(r.n)] },
  ];
}

function robustnessRows(r: EvalReport): Row[] {
  const rb = r.robustness;
  if (!rb) return [];
  const row = (x: RobustnessRow): Row => ({
    cells: [
      x.label,
      int(x.n),
      x.accuracy ? ci(x.accuracy) : "n/a",
      signedPts(x.delta),
      x.flipRate === undefined ? "" : pct(x.flipRate),
      x.meanAbsShift === undefined ? "" : x.meanAbsShift.toFixed(4),
    ],
  });
  return [
    { cells: ["clean (sample)", int(rb.clean.n), ci(rb.clean), "", "", ""] },
    ...rb.lengthBuckets.map(row),
    row(rb.firstSentence),
    row(rb.negation),
    ...rb.perturbations.map(row),
  ];
}

const ROBUSTNESS_HEAD = ["Slice / perturbation", "n", "Accuracy", "Δ vs clean", "Label flips", "Mean |ΔP|"];
const CLASS_HEAD = ["Class", "Precision", "Recall", "F1", "Support"];

/**
 * Markdown-safe text: HTML special characters as entities (a Markdown renderer passes raw HTML
 * through) and Markdown's own syntax characters backslash-escaped, on one line.
 */
function mdText(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#])/g, "\\$1")
    .replace(/\r?\n/g, " ");
}

const mdCell = mdText;

function mdTable(head: string[], rows: Row[]): string {
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map((r) => line(r.cells))].join("\n");
}

function datasetLine(r: EvalReport): string {
  const d = r.dataset;
  const parts = [d.name];
  if (d.split) parts.push(`split ${d.split}`);
  parts.push(`${int(r.n)} labeled reviews evaluated`);
  if (d.limit !== undefined)
    parts.push(`seeded sample (--limit ${d.limit}) of ${int(d.total - d.unlabeled)}`);
  if (d.unlabeled > 0) parts.push(`${int(d.unlabeled)} unlabeled reviews not scored`);
  if (d.skipped) parts.push(`${int(d.skipped)} unusable rows skipped by the loader`);
  return parts.join("; ");
}

export function renderMarkdown(r: EvalReport): string {
  const m = r.metrics;
  const c = m.confusion;
  const out: string[] = [
    `# Evaluation report — ${mdText(r.model.id)}`,
    "",
    `- Model: ${mdText(r.model.family)} ${mdText(r.model.id)}${r.model.parameterCount ? `, ${int(r.model.parameterCount)} parameters` : ""}`,
    `- Data: ${mdText(datasetLine(r))}`,
  ];
  if (r.dataset.path) out.push(`- Source: ${mdText(r.dataset.path)}`);
  if (r.dataset.sha256) out.push(`- Source sha256: ${mdText(r.dataset.sha256)}`);
  out.push(
    `- Created: ${r.createdAt}`,
    "",
    "## Metrics",
    "",
    mdTable(["Metric", "Value"], metricRows(r)),
    "",
  );
  out.push("## Per class", "", mdTable(CLASS_HEAD, classRows(r)), "");
  out.push(
    "## Confusion matrix",
    "",
    mdTable(
      ["Actual / Predicted", "negative", "positive"],
      [{ cells: ["negative", int(c.tn), int(c.fp)] }, { cells: ["positive", int(c.fn), int(c.tp)] }],
    ),
    "",
  );
  if (r.ratingMetrics) {
    const rm = r.ratingMetrics;
    out.push(
      "## Star ratings (1–10)",
      "",
      mdTable(
        ["n", "MAE", "RMSE", "Within 1 star"],
        [{ cells: [int(rm.n), f4(rm.mae), f4(rm.rmse), pct(rm.within1)] }],
      ),
      "",
    );
  }
  if (r.robustness) {
    const rb = r.robustness;
    out.push(
      "## Robustness",
      "",
      `Seeded sample of ${int(rb.sampleSize)} reviews (seed ${rb.seed}), ${rb.seconds.toFixed(1)} s.`,
      "",
      mdTable(ROBUSTNESS_HEAD, robustnessRows(r)),
      "",
      ...Object.entries(rb.definitions).map(([k, v]) => `- **${mdCell(k)}**: ${mdCell(v)}`),
      "",
    );
  }
  if (m.notes.length > 0) out.push("## Notes", "", ...m.notes.map((n) => `- ${mdText(n)}`), "");
  const t = r.timing;
  out.push(
    "## Timing",
    "",
    `${int(Math.round(t.predictionsPerSecond))} predictions/s (batch ${t.batchSize}); prediction ${t.predictSeconds.toFixed(2)} s, total ${t.totalSeconds.toFixed(2)} s on ${r.environment.cpus} CPUs, Node ${r.environment.node}.`,
    "",
  );
  return out.join("\n");
}

function htmlTable(head: string[], rows: Row[], caption: string): string {
  const th = head.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.cells.map((c, i) => (i === 0 ? `<th scope="row">${escapeXml(c)}</th>` : `<td>${escapeXml(c)}</td>`)).join("")}</tr>`,
    )
    .join("");
  return `<table><caption>${escapeXml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const CSS = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--accent:#0072B2}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:#fff}
main{max-width:1200px;margin:0 auto;padding:24px}h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:32px 0 12px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0 0 16px}.meta code{font-size:.85em;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:12px}.card .v{font-size:1.5rem;font-weight:600}.card .k{color:var(--muted);font-size:.85rem}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid var(--line);padding:4px 10px;text-align:right}th[scope=row],thead th:first-child{text-align:left}thead th{background:var(--bg)}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px;align-items:start}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff}figure svg{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:.85rem;padding:4px}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{font-weight:600}dd{margin:0}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:8px;overflow:auto;font-size:.85rem}
.notes li{color:#9a6700}
@media print{.plots{grid-template-columns:1fr 1fr}}`;

function card(label: string, value: string): string {
  return `<div class="card"><div class="v">${escapeXml(value)}</div><div class="k">${escapeXml(label)}</div></div>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

export function renderHtml(r: EvalReport): string {
  const m = r.metrics;
  const plots = renderPlots(r);
  const title = `Evaluation report — ${r.model.id}`;
  const cards = [
    card(`Accuracy (95% CI ${pct(m.accuracy.low)}–${pct(m.accuracy.high)})`, pct(m.accuracy.value)),
    card("ROC-AUC", m.rocAuc === null ? "n/a" : m.rocAuc.toFixed(4)),
    card("Macro F1", m.macro.f1.toFixed(4)),
    card("Log-loss", m.logLoss.toFixed(4)),
    card(`ECE (${m.calibration.length} bins)`, m.ece.toFixed(4)),
    card("Predictions / s", int(Math.round(r.timing.predictionsPerSecond))),
  ];
  if (r.ratingMetrics) cards.push(card("Rating MAE (stars)", r.ratingMetrics.mae.toFixed(3)));
  const meta: [string, string][] = [
    ["Model", `${r.model.family} · ${r.model.id}`],
    ["Data", datasetLine(r)],
  ];
  if (r.dataset.path) meta.push(["Source", r.dataset.path]);
  if (r.dataset.sha256) meta.push(["Source sha256", r.dataset.sha256]);
  meta.push(["Created", r.createdAt]);
  const sections: string[] = [
    `<h1>${escapeXml(title)}</h1>`,
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd><code>${escapeXml(v)}</code></dd>`).join("")}</dl>`,
    `<section aria-label="Headline metrics" class="cards">${cards.join("")}</section>`,
    "<h2>Plots</h2>",
    `<div class="plots">${[
      figure(plots.confusion, "Counts; colour = share of the actual class."),
      figure(plots.roc, "True vs false positive rate over all thresholds."),
      figure(plots.reliability, "Observed positive rate per bin of predicted P(positive); counts below."),
      figure(plots.histogram, "How confident the model is, by true class."),
    ].join("")}</div>`,
    "<h2>Metrics</h2>",
    htmlTable(["Metric", "Value"], metricRows(r), "Overall"),
    htmlTable(CLASS_HEAD, classRows(r), "Per class"),
  ];
  if (r.ratingMetrics) {
    const rm = r.ratingMetrics;
    sections.push(
      htmlTable(
        ["Reviews", "MAE", "RMSE", "Within 1 star"],
        [{ cells: [int(rm.n), f4(rm.mae), f4(rm.rmse), pct(rm.within1)] }],
        "Star ratings (1–10)",
      ),
    );
  }
  if (m.notes.length > 0) {
    sections.push(`<ul class="notes">${m.notes.map((n) => `<li>${escapeXml(n)}</li>`).join("")}</ul>`);
  }
  if (r.robustness && plots.robustness) {
    const rb = r.robustness;
    sections.push(
      "<h2>Robustness</h2>",
      `<p>Seeded sample of ${int(rb.sampleSize)} reviews (seed ${rb.seed}); took ${rb.seconds.toFixed(1)} s. Whiskers are 95% intervals.</p>`,
      figure(
        plots.robustness,
        "Accuracy per slice and perturbation; dashed line = clean accuracy of the sample.",
      ),
      htmlTable(ROBUSTNESS_HEAD, robustnessRows(r), "Robustness"),
      `<dl>${Object.entries(rb.definitions)
        .map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`)
        .join("")}</dl>`,
    );
  }
  const t = r.timing;
  sections.push(
    "<h2>Model details</h2>",
    `<pre>${escapeXml(JSON.stringify(r.model, null, 2))}</pre>`,
    `<p class="meta">${int(Math.round(t.predictionsPerSecond))} predictions/s (batch ${t.batchSize}); total ${t.totalSeconds.toFixed(2)} s on ${r.environment.cpus} CPUs, Node ${escapeXml(r.environment.node)}, ${escapeXml(r.environment.platform)}.</p>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body><main>
${sections.join("\n")}
</main></body>
</html>
`;
}

export interface WrittenReport {
  json: string;
  markdown: string;
  html: string;
  plots: string[];
}

/** Write report.json, report.md, report.html and plots/*.svg into `dir`, each atomically. */
export async function writeReport(report: EvalReport, dir: string): Promise<WrittenReport> {
  const paths = {
    json: join(dir, "report.json"),
    markdown: join(dir, "report.md"),
    html: join(dir, "report.html"),
  };
  await writeFileAtomic(paths.json, renderJson(report));
  await writeFileAtomic(paths.markdown, renderMarkdown(report));
  await writeFileAtomic(paths.html, renderHtml(report));
  const plots: string[] = [];
  for (const [name, svg] of Object.entries(renderPlots(report))) {
    if (svg === null) continue;
    const path = join(dir, "plots", `${name}.svg`);
    await writeFileAtomic(path, svg);
    plots.push(path);
  }
  return { ...paths, plots };
}
