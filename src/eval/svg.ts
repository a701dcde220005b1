// Dependency-free SVG building blocks: escaping, scales, "nice" ticks, axes and the document wrapper
// shared by every chart in ./plots.ts. All text passes through `escapeXml`, so series names, titles
// and labels taken from user data can never inject markup into a report page or the web UI.

/**
 * Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), in the order charts use it:
 * blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow, grey.
 */
export const PALETTE = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#E69F00",
  "#CC79A7",
  "#56B4E9",
  "#F0E442",
  "#777777",
];

export const THEME = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  text: "#1f2328",
  muted: "#59636e",
  grid: "#e3e6ea",
  axis: "#8c959f",
  background: "#ffffff",
  /** Dashed reference lines (chance diagonal, perfect calibration, baselines). */
  reference: "#8c959f",
} as const;

// XML 1.0 forbids these control characters even when escaped; drop them rather than emit invalid SVG.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escape text for XML element content and attribute values. */
export function escapeXml(value: unknown): string {
  return String(value)
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Coordinates with at most 2 decimals keep files small without visible loss. */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export type Attrs = Record<string, string | number | undefined>;

function attrString(attrs: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    out += ` ${k}="${escapeXml(typeof v === "number" ? num(v) : v)}"`;
  }
  return out;
}

/** An element whose children are already-built markup (never raw user text; use `text` for that). */
export function el(tag: string, attrs: Attrs, children: string | string[] = ""): string {
  const inner = Array.isArray(children) ? children.join("") : children;
  return inner === "" ? `<${tag}${attrString(attrs)}/>` : `<${tag}${attrString(attrs)}>${inner}</${tag}>`;
}

/** A text element; `content` is escaped. */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return `<text${attrString({ x, y, ...attrs })}>${escapeXml(content)}</text>`;
}

export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1; // a flat domain maps everything to the start instead of dividing by zero
  const scale = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  return Object.assign(scale, { domain, range });
}

/** Round tick step (1, 2 or 5 times a power of ten) giving about `count` ticks over [lo, hi]. */
export function tickStep(lo: number, hi: number, count = 5): number {
  const raw = Math.abs(hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  // Same cut-offs as d3-array's tickIncrement: pick the round step nearest (geometrically) to raw.
  return (f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.SQRT2 ? 2 : 1) * power;
}

/** Tick values at multiples of a round step inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const step = tickStep(lo, hi, count);
  const ticks: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  const end = Math.floor(hi / step + 1e-9);
  for (let k = start; k <= end; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Widen [lo, hi] outward to round tick values (and away from a zero-width range). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = tickStep(lo, hi, count);
  const round = (v: number) => Number(v.toPrecision(12)); // 5.6000000000000005 -> 5.6
  return [round(Math.floor(lo / step + 1e-9) * step), round(Math.ceil(hi / step - 1e-9) * step)];
}

/** Tick label: thousands separators for large values, no float noise for small ones. */
export function formatNumber(v: number): string {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString("en-US");
  if (abs >= 1) return String(Number(v.toPrecision(4)));
  return String(Number(v.toPrecision(3)));
}

export interface PlotArea {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

/** Inner rectangle of a chart (where data is drawn). */
export function inner(area: PlotArea): { x0: number; x1: number; y0: number; y1: number } {
  const { width, height, margin } = area;
  return { x0: margin.left, x1: width - margin.right, y0: height - margin.bottom, y1: margin.top };
}

export interface AxisOptions {
  x: Scale;
  y: Scale;
  xTicks: number[];
  yTicks: number[];
  xLabel?: string;
  yLabel?: string;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  grid?: boolean;
}

/** Grid lines, tick marks, tick labels and axis titles around the data area. */
export function axes(o: AxisOptions): string {
  const xf = o.xFormat ?? formatNumber;
  const yf = o.yFormat ?? formatNumber;
  const [xa, xb] = o.x.range;
  const [ya, yb] = o.y.range; // ya = bottom, yb = top
  const parts: string[] = [];
  for (const t of o.yTicks) {
    const y = o.y(t);
    if (o.grid !== false) parts.push(el("line", { x1: xa, x2: xb, y1: y, y2: y, stroke: THEME.grid }));
    parts.push(text(xa - 6, y + 4, yf(t), { "text-anchor": "end", fill: THEME.muted, "font-size": 11 }));
  }
  for (const t of o.xTicks) {
    const x = o.x(t);
    if (o.grid !== false) parts.push(el("line", { x1: x, x2: x, y1: ya, y2: yb, stroke: THEME.grid }));
    parts.push(text(x, ya + 16, xf(t), { "text-anchor": "middle", fill: THEME.muted, "font-size": 11 }));
  }
  parts.push(el("line", { x1: xa, x2: xb, y1: ya, y2: ya, stroke: THEME.axis }));
  parts.push(el("line", { x1: xa, x2: xa, y1: ya, y2: yb, stroke: THEME.axis }));
  if (o.xLabel)
    parts.push(text((xa + xb) / 2, ya + 36, o.xLabel, { "text-anchor": "middle", fill: THEME.text }));
  if (o.yLabel) {
    const cy = (ya + yb) / 2;
    parts.push(
      text(14, cy, o.yLabel, {
        "text-anchor": "middle",
        fill: THEME.text,
        transform: `rotate(-90 14 ${num(cy)})`,
      }),
    );
  }
  return el("g", { class: "axes" }, parts);
}

export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
  /** "line" (default) or "box" (bars). */
  shape?: "line" | "box";
}

/** A horizontal legend starting at (x, y); wraps to a new row when `maxWidth` is exceeded. */
export function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): string {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    // Rough width estimate (no text measuring in a string renderer): ~6.5 px per character at 12 px.
    const w = 28 + item.name.length * 6.5;
    if (cx + w > x + maxWidth && cx > x) {
      cx = x;
      cy += 18;
    }
    if (item.shape === "box") {
      parts.push(el("rect", { x: cx, y: cy - 9, width: 14, height: 10, fill: item.color, rx: 2 }));
    } else {
      parts.push(
        el("line", {
          x1: cx,
          x2: cx + 18,
          y1: cy - 4,
          y2: cy - 4,
          stroke: item.color,
          "stroke-width": 2.5,
          "stroke-dasharray": item.dashed ? "5 4" : undefined,
        }),
      );
    }
    parts.push(text(cx + 22, cy, item.name, { fill: THEME.text }));
    cx += w + 10;
  }
  return el("g", { class: "legend" }, parts);
}

/** Number of legend rows `legend` will use, so charts can reserve the space. */
export function legendRows(items: readonly LegendItem[], maxWidth: number): number {
  let rows = items.length > 0 ? 1 : 0;
  let used = 0;
  for (const item of items) {
    const w = 28 + item.name.length * 6.5;
    if (used + w > maxWidth && used > 0) {
      rows++;
      used = 0;
    }
    used += w + 10;
  }
  return rows;
}

export interface SvgDocumentOptions {
  width: number;
  height: number;
  /** Shown as the chart heading, and the accessible name (<title> and aria-label). */
  title: string;
  /** Longer text alternative for screen readers (<desc>), e.g. the key numbers. */
  description?: string;
  body: string;
}

/** A standalone, accessible SVG: role="img", aria-label, <title> and <desc>, responsive via viewBox. */
export function svgDocument(o: SvgDocumentOptions): string {
  const head = `<title>${escapeXml(o.title)}</title>${o.description ? `<desc>${escapeXml(o.description)}</desc>` : ""}`;
  const background = el("rect", { x: 0, y: 0, width: o.width, height: o.height, fill: THEME.background });
  const heading = text(o.width / 2, 22, o.title, {
    "text-anchor": "middle",
    "font-size": 15,
    "font-weight": 600,
    fill: THEME.text,
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${num(o.width)} ${num(o.height)}" ` +
    `width="${num(o.width)}" height="${num(o.height)}" role="img" aria-label="${escapeXml(o.title)}" ` +
    `font-family="${escapeXml(THEME.font)}" font-size="12">${head}${background}${heading}${o.body}</svg>`
  );
}
