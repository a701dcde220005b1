// The evaluation plots: confusion matrix, ROC curve, reliability diagram, score histogram and
// robustness bars, each an accessible standalone SVG string. Generic charts live in ./charts.ts and
// are re-exported here so callers have one import for every chart.
import { type Bar, barChart, lineChart } from "./charts.ts";
import {
  axes,
  el,
  formatNumber,
  inner,
  legend,
  linearScale,
  niceDomain,
  niceTicks,
  num,
  PALETTE,
  svgDocument,
  THEME,
  text,
} from "./svg.ts";
import type {
  CalibrationBin,
  ConfusionMatrix,
  Proportion,
  RobustnessReport,
  RobustnessRow,
  RocPoint,
  ScoreHistogram,
} from "./types.ts";

export {
  type Bar,
  type BarChartOptions,
  barChart,
  type LineChartOptions,
  type LineSeries,
  lineChart,
} from "./charts.ts";

const NEG_COLOR = PALETTE[1];
const POS_COLOR = PALETTE[0];

const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)}%`;
const int = (v: number) => Math.round(v).toLocaleString("en-US");

/** Blend white toward the palette blue by t in [0, 1]. */
function shade(t: number): string {
  const [r, g, b] = [0x00, 0x72, 0xb2];
  const mix = (c: number) => Math.round(255 + (c - 255) * Math.min(1, Math.max(0, t)));
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

/**
 * 2x2 confusion matrix: counts, share of all reviews and share of the true class (row).
 * Cell colour is the row share, so the diagonal is dark when each class is mostly right.
 */
export function confusionMatrixChart(c: ConfusionMatrix, title = "Confusion matrix"): string {
  const width = 460;
  const height = 410;
  const cell = 130;
  const x0 = 170;
  const y0 = 90;
  const total = c.tn + c.fp + c.fn + c.tp;
  const rows = [
    { name: "negative", cells: [c.tn, c.fp] },
    { name: "positive", cells: [c.fn, c.tp] },
  ];
  const parts: string[] = [
    text(x0 + cell, y0 - 34, "Predicted", { "text-anchor": "middle", "font-weight": 600, fill: THEME.text }),
    text(x0 + cell / 2, y0 - 12, "negative", { "text-anchor": "middle", fill: THEME.text }),
    text(x0 + cell * 1.5, y0 - 12, "positive", { "text-anchor": "middle", fill: THEME.text }),
    text(40, y0 + cell, "Actual", {
      "text-anchor": "middle",
      "font-weight": 600,
      fill: THEME.text,
      transform: `rotate(-90 40 ${num(y0 + cell)})`,
    }),
  ];
  rows.forEach((row, r) => {
    const rowTotal = row.cells[0] + row.cells[1];
    parts.push(
      text(x0 - 10, y0 + cell * (r + 0.5) + 4, row.name, { "text-anchor": "end", fill: THEME.text }),
    );
    row.cells.forEach((count, k) => {
      const share = rowTotal > 0 ? count / rowTotal : 0;
      const x = x0 + k * cell;
      const y = y0 + r * cell;
      const ink = share > 0.55 ? "#ffffff" : THEME.text;
      const kind =
        r === k
          ? r === 1
            ? "true positives"
            : "true negatives"
          : r === 1
            ? "false negatives"
            : "false positives";
      parts.push(
        el("g", { class: "cell" }, [
          `<title>${kind}: ${int(count)} (${pct(total > 0 ? count / total : 0)} of all, ${pct(share)} of actual ${row.name})</title>`,
          el("rect", {
            x,
            y,
            width: cell,
            height: cell,
            fill: shade(share),
            stroke: "#ffffff",
            "stroke-width": 2,
          }),
          text(x + cell / 2, y + cell / 2 - 8, int(count), {
            "text-anchor": "middle",
            "font-size": 22,
            "font-weight": 600,
            fill: ink,
          }),
          text(x + cell / 2, y + cell / 2 + 14, `${pct(total > 0 ? count / total : 0)} of all`, {
            "text-anchor": "middle",
            fill: ink,
            "font-size": 11,
          }),
          text(x + cell / 2, y + cell / 2 + 30, `${pct(share)} of row`, {
            "text-anchor": "middle",
            fill: ink,
            "font-size": 11,
          }),
        ]),
      );
    });
  });
  parts.push(
    text(
      width / 2,
      y0 + 2 * cell + 30,
      `n = ${int(total)}; accuracy ${pct(total > 0 ? (c.tn + c.tp) / total : 0, 2)}`,
      {
        "text-anchor": "middle",
        fill: THEME.muted,
      },
    ),
  );
  const description =
    `True negatives ${c.tn}, false positives ${c.fp}, false negatives ${c.fn}, true positives ${c.tp}` +
    ` (n = ${total}).`;
  return svgDocument({ width, height, title, description, body: parts.join("") });
}

/** ROC curve with the chance diagonal; the AUC is in the legend. */
export function rocChart(points: readonly RocPoint[], auc: number | null, title = "ROC curve"): string {
  const name = auc === null ? "ROC (AUC undefined: one class only)" : `ROC (AUC = ${auc.toFixed(4)})`;
  return lineChart({
    title,
    xLabel: "False positive rate",
    yLabel: "True positive rate",
    width: 460,
    height: 460,
    xDomain: [0, 1],
    yDomain: [0, 1],
    series: [
      { name, points: points.map((p) => [p.fpr, p.tpr] as const), color: POS_COLOR, markers: false },
      {
        name: "Chance",
        points: [
          [0, 0],
          [1, 1],
        ],
        color: THEME.reference,
        dashed: true,
        markers: false,
      },
    ],
    description:
      auc === null
        ? "ROC curve undefined: the data has only one class."
        : `ROC curve over ${points.length} thresholds; area under the curve ${auc.toFixed(4)} (0.5 is chance, 1 is perfect).`,
  });
}

/**
 * Reliability diagram: observed fraction of positives against mean predicted P(positive) per bin,
 * the diagonal of perfect calibration, and a strip below with how many reviews fall in each bin
 * (sparse bins are noisy, so the counts belong next to the curve).
 */
export function reliabilityChart(
  bins: readonly CalibrationBin[],
  ece: number,
  title = "Reliability diagram",
): string {
  const width = 480;
  const height = 560;
  const main = inner({ width, height, margin: { top: 64, right: 24, bottom: 190, left: 64 } });
  const x = linearScale([0, 1], [main.x0, main.x1]);
  const y = linearScale([0, 1], [main.y0, main.y1]);
  const ticks = niceTicks(0, 1, 5);
  const used = bins.filter((b) => b.count > 0 && b.meanPredicted !== null && b.fractionPositive !== null);
  const path = used
    .map((b, i) => `${i ? "L" : "M"}${num(x(b.meanPredicted!))} ${num(y(b.fractionPositive!))}`)
    .join("");
  const parts: string[] = [
    axes({ x, y, xTicks: ticks, yTicks: ticks, yLabel: "Observed fraction positive" }),
    el("line", {
      x1: x(0),
      y1: y(0),
      x2: x(1),
      y2: y(1),
      stroke: THEME.reference,
      "stroke-dasharray": "6 5",
    }),
  ];
  if (path) parts.push(el("path", { d: path, fill: "none", stroke: POS_COLOR, "stroke-width": 2 }));
  for (const b of used) {
    parts.push(
      el("circle", { cx: x(b.meanPredicted!), cy: y(b.fractionPositive!), r: 4, fill: POS_COLOR }, [
        `<title>P in [${b.low.toFixed(2)}, ${b.high.toFixed(2)}): n=${int(b.count)}, mean predicted ${b.meanPredicted!.toFixed(3)}, observed ${b.fractionPositive!.toFixed(3)}</title>`,
      ]),
    );
  }
  parts.push(
    legend(
      [
        { name: `Model (ECE = ${ece.toFixed(4)})`, color: POS_COLOR },
        { name: "Perfect calibration", color: THEME.reference, dashed: true },
      ],
      main.x0,
      44,
      width - 90,
    ),
  );
  // Count strip: one bar per bin, on a square-root scale so small bins stay visible.
  const stripTop = main.y0 + 40;
  const stripBottom = height - 50;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const h = linearScale([0, Math.sqrt(maxCount)], [stripBottom, stripTop]);
  parts.push(
    axes({
      x,
      y: linearScale([0, 1], [stripBottom, stripTop]),
      xTicks: ticks,
      yTicks: [],
      xLabel: "Mean predicted P(positive)",
      grid: false,
    }),
    text(14, (stripTop + stripBottom) / 2, "Reviews", {
      "text-anchor": "middle",
      fill: THEME.text,
      transform: `rotate(-90 14 ${num((stripTop + stripBottom) / 2)})`,
    }),
  );
  for (const b of bins) {
    const bx = x(b.low) + 1;
    const bw = Math.max(0, x(b.high) - x(b.low) - 2);
    parts.push(
      el("rect", {
        x: bx,
        y: h(Math.sqrt(b.count)),
        width: bw,
        height: stripBottom - h(Math.sqrt(b.count)),
        fill: shade(0.45),
      }),
    );
    if (b.count > 0) {
      const label =
        b.count >= 10_000
          ? `${(b.count / 1000).toFixed(0)}k`
          : b.count >= 1000
            ? `${(b.count / 1000).toFixed(1)}k`
            : String(b.count);
      parts.push(
        text(bx + bw / 2, h(Math.sqrt(b.count)) - 3, label, {
          "text-anchor": "middle",
          "font-size": 9,
          fill: THEME.muted,
        }),
      );
    }
  }
  const description =
    `Expected calibration error ${ece.toFixed(4)} over ${bins.length} bins. ` +
    used
      .map(
        (b) =>
          `[${b.low.toFixed(2)}, ${b.high.toFixed(2)}): n=${b.count}, predicted ${b.meanPredicted!.toFixed(3)}, observed ${b.fractionPositive!.toFixed(3)}`,
      )
      .join("; ");
  return svgDocument({ width, height, title, description, body: parts.join("") });
}

/** Histogram of P(positive), side-by-side bars for true negatives and true positives, threshold marked. */
export function histogramChart(
  h: ScoreHistogram,
  threshold = 0.5,
  title = "Score distribution by true class",
): string {
  // Same width as the other report plots, so text renders at the same size in the page grid.
  const width = 500;
  const height = 400;
  const box = inner({ width, height, margin: { top: 64, right: 20, bottom: 50, left: 64 } });
  const x = linearScale([0, 1], [box.x0, box.x1]);
  const maxCount = Math.max(1, ...h.negative, ...h.positive);
  const yDomain = niceDomain(0, maxCount);
  const y = linearScale(yDomain, [box.y0, box.y1]);
  const parts: string[] = [
    axes({
      x,
      y,
      xTicks: niceTicks(0, 1, 5),
      yTicks: niceTicks(yDomain[0], yDomain[1], 5),
      xLabel: "Predicted P(positive)",
      yLabel: "Reviews",
    }),
  ];
  for (let k = 0; k < h.negative.length; k++) {
    const left = x(h.edges[k]);
    const w = (x(h.edges[k + 1]) - left - 2) / 2;
    const bars = [
      { count: h.negative[k], color: NEG_COLOR, cls: "negative", offset: 1 },
      { count: h.positive[k], color: POS_COLOR, cls: "positive", offset: 1 + w },
    ];
    for (const b of bars) {
      parts.push(
        el(
          "rect",
          {
            x: left + b.offset,
            y: y(b.count),
            width: Math.max(0, w),
            height: box.y0 - y(b.count),
            fill: b.color,
          },
          [
            `<title>True ${b.cls}, P in [${h.edges[k].toFixed(2)}, ${h.edges[k + 1].toFixed(2)}): ${int(b.count)}</title>`,
          ],
        ),
      );
    }
  }
  const tx = x(threshold);
  parts.push(
    el("line", { x1: tx, x2: tx, y1: box.y1, y2: box.y0, stroke: THEME.text, "stroke-dasharray": "4 3" }),
    text(tx + 4, box.y1 + 10, `threshold ${threshold}`, { fill: THEME.text, "font-size": 11 }),
    legend(
      [
        { name: "True negative", color: NEG_COLOR, shape: "box" },
        { name: "True positive", color: POS_COLOR, shape: "box" },
      ],
      box.x0,
      44,
      width - 90,
    ),
  );
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const description =
    `Counts of predicted P(positive) in ${h.negative.length} bins: ${sum(h.negative)} true negatives, ` +
    `${sum(h.positive)} true positives. Negatives per bin: ${h.negative.join(", ")}. Positives per bin: ${h.positive.join(", ")}.`;
  return svgDocument({ width, height, title, description, body: parts.join("") });
}

function robustnessBar(row: RobustnessRow, color: string): Bar | undefined {
  if (!row.accuracy) return undefined;
  const acc: Proportion = row.accuracy;
  const delta =
    row.delta === null ? "" : `  Δ ${row.delta >= 0 ? "+" : ""}${(row.delta * 100).toFixed(1)} pts`;
  return {
    label: row.label,
    value: acc.value,
    low: acc.low,
    high: acc.high,
    color,
    annotation: `n=${formatNumber(row.n)}${delta}`,
  };
}

/** Accuracy per slice and perturbation with 95% intervals, against the clean accuracy. */
export function robustnessChart(
  r: RobustnessReport,
  title = "Robustness: accuracy by slice and perturbation",
): string {
  const groups: [RobustnessRow[], string][] = [
    [r.lengthBuckets, PALETTE[0]],
    [[r.firstSentence, r.negation], PALETTE[2]],
    [r.perturbations, PALETTE[3]],
  ];
  const bars = groups.flatMap(([rows, color]) =>
    rows.map((row) => robustnessBar(row, color)).filter((b) => b !== undefined),
  );
  const lows = bars.map((b) => b.low ?? b.value);
  // Chance is 0.5 on balanced binary data: start the axis there when every interval is above it,
  // so 1-2 point differences stay visible; otherwise show the full [0, 1].
  const domain: [number, number] = Math.min(...lows, r.clean.value) >= 0.5 ? [0.5, 1] : [0, 1];
  return barChart({
    title,
    valueLabel: domain[0] === 0.5 ? "Accuracy (axis starts at 0.5 = chance)" : "Accuracy",
    bars,
    domain,
    width: 760,
    reference: { value: r.clean.value, label: "clean" },
    valueFormat: (v) => pct(v, 0),
    legend: [
      { name: "Review length", color: PALETTE[0] },
      { name: "Slices", color: PALETTE[2] },
      { name: "Perturbations", color: PALETTE[3] },
    ],
  });
}
