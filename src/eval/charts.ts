// Generic charts, reused outside evaluation (training curves in the tracker, the web UI's Model tab):
// `lineChart` for one or more x/y series and `barChart` for labelled values with optional intervals.
// Each returns a standalone, accessible SVG string (see ./svg.ts for escaping and layout helpers).
import {
  axes,
  el,
  escapeXml,
  formatNumber,
  inner,
  type LegendItem,
  legend,
  legendRows,
  linearScale,
  niceDomain,
  niceTicks,
  num,
  PALETTE,
  svgDocument,
  THEME,
  text,
} from "./svg.ts";

export type Point = readonly [number, number];

export interface LineSeries {
  name: string;
  points: readonly Point[];
  /** Defaults to the palette colour at the series' index. */
  color?: string;
  dashed?: boolean;
  /** Draw a dot at each point. Default: when the series has at most 40 points. */
  markers?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  width?: number;
  height?: number;
  /** Fixed axis ranges; by default they are fitted to the data and rounded to tick values. */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Text alternative; by default a summary of every series' range. */
  description?: string;
  /** Extra markup drawn over the data (already-built, e.g. annotations). */
  overlay?: string;
}

function extent(values: number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function describeSeries(series: readonly LineSeries[]): string {
  if (series.length === 0) return "No data.";
  return series
    .map((s) => {
      const finite = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      if (finite.length === 0) return `${s.name}: no points.`;
      const [xl, xh] = extent(finite.map((p) => p[0]));
      const [yl, yh] = extent(finite.map((p) => p[1]));
      const last = finite[finite.length - 1];
      return `${s.name}: ${finite.length} points, x ${formatNumber(xl)} to ${formatNumber(xh)}, y ${formatNumber(yl)} to ${formatNumber(yh)}, last (${formatNumber(last[0])}, ${formatNumber(last[1])}).`;
    })
    .join(" ");
}

/**
 * A multi-series line chart as an SVG string. Non-finite points break the line instead of
 * distorting the scale.
 * @example lineChart({ title: "Loss", xLabel: "step", yLabel: "loss",
 *   series: [{ name: "train", points: [[0, 0.69], [100, 0.41]] }] }) // "<svg xmlns=... role=\"img\" ..."
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 400;
  const items: LegendItem[] = o.series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length],
    dashed: s.dashed,
  }));
  const rows = legendRows(items, width - 90);
  const area = { width, height, margin: { top: 40 + rows * 18, right: 20, bottom: 50, left: 64 } };
  const box = inner(area);
  const all = o.series.flatMap((s) => s.points);
  const xDomain = o.xDomain ?? niceDomain(...extent(all.map((p) => p[0])));
  const yDomain = o.yDomain ?? niceDomain(...extent(all.map((p) => p[1])));
  const x = linearScale(xDomain, [box.x0, box.x1]);
  const y = linearScale(yDomain, [box.y0, box.y1]);
  const parts: string[] = [
    axes({
      x,
      y,
      xTicks: niceTicks(xDomain[0], xDomain[1], Math.max(2, Math.floor((box.x1 - box.x0) / 80))),
      yTicks: niceTicks(yDomain[0], yDomain[1], Math.max(2, Math.floor((box.y0 - box.y1) / 50))),
      xLabel: o.xLabel,
      yLabel: o.yLabel,
      xFormat: o.xFormat,
      yFormat: o.yFormat,
    }),
  ];
  const lines: string[] = [];
  o.series.forEach((s, i) => {
    const color = items[i].color;
    // Split the path at non-finite points so a NaN loss shows as a gap.
    let d = "";
    let pen = false;
    for (const [px, py] of s.points) {
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${num(x(px))} ${num(y(py))}`;
      pen = true;
    }
    const g: string[] = [];
    if (d) {
      g.push(
        el("path", {
          d,
          fill: "none",
          stroke: color,
          "stroke-width": 2,
          "stroke-linejoin": "round",
          "stroke-dasharray": s.dashed ? "6 5" : undefined,
        }),
      );
    }
    if (s.markers ?? s.points.length <= 40) {
      for (const [px, py] of s.points) {
        if (Number.isFinite(px) && Number.isFinite(py)) {
          g.push(el("circle", { cx: x(px), cy: y(py), r: 3, fill: color }));
        }
      }
    }
    lines.push(el("g", { class: "series", "data-series": s.name }, g));
  });
  // A nested <svg> clips data outside a fixed domain to the plot area without needing a unique
  // clipPath id (several charts share one HTML page). 4 px of slack keeps edge markers whole.
  const pad = 4;
  const [vx, vy, vw, vh] = [box.x0 - pad, box.y1 - pad, box.x1 - box.x0 + 2 * pad, box.y0 - box.y1 + 2 * pad];
  parts.push(
    el(
      "svg",
      {
        x: vx,
        y: vy,
        width: vw,
        height: vh,
        viewBox: `${num(vx)} ${num(vy)} ${num(vw)} ${num(vh)}`,
        overflow: "hidden",
      },
      lines,
    ),
  );
  if (all.length === 0) {
    parts.push(
      text((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, "No data", {
        "text-anchor": "middle",
        fill: THEME.muted,
      }),
    );
  }
  if (o.overlay) parts.push(o.overlay);
  if (items.length > 0) parts.push(legend(items, box.x0, 44, width - 90));
  return svgDocument({
    width,
    height,
    title: o.title,
    description: o.description ?? describeSeries(o.series),
    body: parts.join(""),
  });
}

export interface Bar {
  label: string;
  value: number;
  /** Interval drawn as a whisker, e.g. a 95% confidence interval. */
  low?: number;
  high?: number;
  color?: string;
  /** Short text shown right of the bar, e.g. "n=412  Δ -1.2 pts". */
  annotation?: string;
}

export interface BarChartOptions {
  title: string;
  /** Axis title of the value axis. */
  valueLabel: string;
  bars: readonly Bar[];
  width?: number;
  /** Value range; by default [min(0, values), max(values)] rounded to ticks. Bars start at domain[0]. */
  domain?: readonly [number, number];
  /** A dashed vertical reference line, e.g. the clean accuracy. */
  reference?: { value: number; label: string };
  valueFormat?: (v: number) => string;
  description?: string;
  /** Legend for bar colours, when colours encode groups. */
  legend?: readonly { name: string; color: string }[];
}

/**
 * A horizontal bar chart (labels stay readable however long they are) with optional whiskers and
 * a reference line.
 * @example barChart({ title: "Accuracy", valueLabel: "accuracy", bars: [{ label: "clean", value: 0.91 }] })
 */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 640;
  const rowH = 26;
  const longest = Math.max(0, ...o.bars.map((b) => b.label.length));
  const left = Math.min(280, Math.max(80, 16 + longest * 6.6));
  const longestNote = Math.max(0, ...o.bars.map((b) => (b.annotation ?? "").length));
  const right = Math.min(220, 20 + longestNote * 6.2);
  const legendItems: LegendItem[] = (o.legend ?? []).map((l) => ({ ...l, shape: "box" as const }));
  const rows = legendRows(legendItems, width - left - right);
  const top = 40 + rows * 18 + (o.reference ? 16 : 0);
  const height = top + Math.max(1, o.bars.length) * rowH + 50;
  const box = inner({ width, height, margin: { top, right, bottom: 50, left } });
  const values = o.bars.flatMap((b) => [b.value, b.low ?? b.value, b.high ?? b.value]);
  const [lo, hi] = extent([...values, 0, ...(o.reference ? [o.reference.value] : [])]);
  const domain = o.domain ?? niceDomain(lo, hi);
  const x = linearScale(domain, [box.x0, box.x1]);
  const slots = Math.max(1, o.bars.length);
  const y = linearScale([0, slots], [box.y0, box.y1]);
  const fmt = o.valueFormat ?? formatNumber;
  const parts: string[] = [
    axes({
      x,
      y,
      xTicks: niceTicks(domain[0], domain[1], Math.max(2, Math.floor((box.x1 - box.x0) / 70))),
      yTicks: [],
      xLabel: o.valueLabel,
      xFormat: fmt,
    }),
  ];
  const clamp = (v: number) => Math.min(domain[1], Math.max(domain[0], v));
  o.bars.forEach((b, i) => {
    const cy = y(slots - i - 0.5); // first bar on top
    const color = b.color ?? PALETTE[0];
    const x0 = x(domain[0]);
    const g: string[] = [
      text(box.x0 - 8, cy + 4, b.label, { "text-anchor": "end", fill: THEME.text }),
      el("rect", {
        x: x0,
        y: cy - 8,
        width: Math.max(0, x(clamp(b.value)) - x0),
        height: 16,
        fill: color,
        rx: 2,
      }),
    ];
    if (b.low !== undefined && b.high !== undefined) {
      const [wl, wh] = [x(clamp(b.low)), x(clamp(b.high))];
      g.push(
        el("path", {
          d: `M${num(wl)} ${num(cy)}H${num(wh)}M${num(wl)} ${num(cy - 5)}V${num(cy + 5)}M${num(wh)} ${num(cy - 5)}V${num(cy + 5)}`,
          stroke: THEME.text,
          "stroke-width": 1.2,
          fill: "none",
        }),
      );
    }
    if (b.annotation) g.push(text(box.x1 + 8, cy + 4, b.annotation, { fill: THEME.muted, "font-size": 11 }));
    // The value itself is part of the accessible text through <title> on the row.
    g.unshift(
      `<title>${escapeXml(`${b.label}: ${fmt(b.value)}${b.annotation ? ` (${b.annotation})` : ""}`)}</title>`,
    );
    parts.push(el("g", { class: "bar" }, g));
  });
  if (o.bars.length === 0) {
    parts.push(
      text((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, "No data", {
        "text-anchor": "middle",
        fill: THEME.muted,
      }),
    );
  }
  if (o.reference) {
    const rx = x(clamp(o.reference.value));
    parts.push(
      el("line", {
        x1: rx,
        x2: rx,
        y1: box.y1 - 4,
        y2: box.y0,
        stroke: THEME.text,
        "stroke-dasharray": "4 3",
      }),
      text(rx, box.y1 - 8, `${o.reference.label} ${fmt(o.reference.value)}`, {
        "text-anchor": "middle",
        fill: THEME.text,
        "font-size": 11,
      }),
    );
  }
  if (legendItems.length > 0) parts.push(legend(legendItems, box.x0, 44, width - left - right));
  const description =
    o.description ??
    o.bars.map((b) => `${b.label}: ${fmt(b.value)}${b.annotation ? ` (${b.annotation})` : ""}`).join("; ");
  return svgDocument({ width, height, title: o.title, description, body: parts.join("") });
}
