// SVG output: well-formed, accessible, escaped, and geometrically right where it can be checked.
import { describe, expect, it } from "vitest";
import { binaryMetrics, rocCurve, scoreHistogram } from "../../src/eval/metrics.ts";
import {
  barChart,
  confusionMatrixChart,
  histogramChart,
  lineChart,
  reliabilityChart,
  rocChart,
} from "../../src/eval/plots.ts";
import { escapeXml, niceDomain, niceTicks } from "../../src/eval/svg.ts";

/** Minimal well-formedness check: every tag closes in order, no stray "<" or "&" in text. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of svg.matchAll(tag)) {
    const between = svg.slice(last, m.index);
    expect(between, `text before <${m[2]}>`).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;|#39;)/);
    last = m.index + m[0].length;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  expect(svg.slice(last)).toBe("");
  expect(stack).toEqual([]);
}

const EVIL = `</text><script>alert("x")</script> & 'q'`;

describe("svg helpers", () => {
  it("escapes markup characters and drops XML-invalid control characters", () => {
    expect(escapeXml(`<a href="x">&'\u0001`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  });
  it("picks round ticks and domains", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 3000, 6)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000]);
    expect(niceDomain(0.13, 0.87)).toEqual([0, 1]);
    expect(niceDomain(5, 5)).toEqual([4.4, 5.6]);
  });
});

describe("lineChart", () => {
  const svg = lineChart({
    title: `Loss ${EVIL}`,
    xLabel: "step",
    yLabel: "loss",
    series: [
      {
        name: EVIL,
        points: [
          [0, 1],
          [1, 0.5],
          [2, Number.NaN],
          [3, 0.3],
          [4, 0.2],
        ],
      },
      {
        name: "val",
        points: [
          [0, 0.9],
          [4, 0.4],
        ],
        dashed: true,
      },
    ],
  });

  it("is well-formed and escapes every user string", () => {
    assertWellFormed(svg);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
  });

  it("is accessible: role, aria-label, title and a generated description", () => {
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-label="Loss &lt;\/text&gt;/);
    expect(svg).toMatch(/<title>Loss &lt;\/text&gt;/);
    expect(svg).toMatch(/<desc>[^<]*val: 2 points, x 0 to 4, y 0.4 to 0.9/);
  });

  it("draws one path per series and breaks the line at NaN", () => {
    const paths = [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke-width="2"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    expect(paths[0].match(/M/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 5"');
  });

  it("says so when there is no data", () => {
    const empty = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [] });
    assertWellFormed(empty);
    expect(empty).toContain(">No data<");
  });
});

describe("barChart", () => {
  it("scales bars to the domain, with whiskers, annotation and reference line", () => {
    const svg = barChart({
      title: "acc",
      valueLabel: "accuracy",
      bars: [
        { label: EVIL, value: 0.5, low: 0.4, high: 0.6, annotation: "n=10" },
        { label: "full", value: 1 },
      ],
      domain: [0, 1],
      reference: { value: 0.75, label: "clean" },
    });
    assertWellFormed(svg);
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="16"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toHaveLength(2);
    expect(widths[0] / widths[1]).toBeCloseTo(0.5, 2);
    expect(svg).toContain("n=10");
    expect(svg).toContain("clean 0.75");
    expect(svg).not.toContain("<script>");
  });
});

describe("evaluation plots", () => {
  const y = [1, 1, 1, 0, 0, 0, 0, 1];
  const p = [0.9, 0.6, 0.4, 0.2, 0.7, 0.1, 0.5, 0.8];
  const m = binaryMetrics(y, p);

  it("confusion matrix shows counts and shares", () => {
    const svg = confusionMatrixChart({ tn: 11343, fp: 1194, fn: 1116, tp: 11347 });
    assertWellFormed(svg);
    expect(svg).toContain(">11,343<");
    expect(svg).toContain("90.5% of row");
    expect(svg).toContain("45.4% of all");
    expect(svg).toContain("accuracy 90.76%");
  });

  it("ROC chart names the AUC, or says it is undefined", () => {
    const svg = rocChart(rocCurve(y, p), m.rocAuc);
    assertWellFormed(svg);
    // Positives .9 .6 .4 .8 beat 4 + 3 + 2 + 4 of the 16 (positive, negative) pairs.
    expect(svg).toContain("AUC = 0.8125");
    const none = rocChart([], null);
    assertWellFormed(none);
    expect(none).toContain("AUC undefined");
  });

  it("reliability diagram has the diagonal, a point per non-empty bin and bin counts", () => {
    const svg = reliabilityChart(m.calibration, m.ece);
    assertWellFormed(svg);
    const nonEmpty = m.calibration.filter((b) => b.count > 0).length;
    expect(svg.match(/<circle /g)).toHaveLength(nonEmpty);
    expect(svg).toContain(`ECE = ${m.ece.toFixed(4)}`);
    expect(svg).toContain('stroke-dasharray="6 5"');
  });

  it("histogram has two bars per bin", () => {
    const svg = histogramChart(scoreHistogram(y, p, 10));
    assertWellFormed(svg);
    expect(svg.match(/<title>True (negative|positive), P in/g)).toHaveLength(20);
  });
});
