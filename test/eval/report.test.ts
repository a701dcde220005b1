// Report rendering: JSON round trip, Markdown tables, one self-contained and escaped HTML page.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Review } from "../../src/data/types.ts";
import { evaluateModel } from "../../src/eval/evaluate.ts";
import { renderHtml, renderMarkdown, renderPlots, writeReport } from "../../src/eval/report.ts";
import type { EvalReport } from "../../src/eval/types.ts";
import type { ModelMetadata } from "../../src/models/model.ts";
import { makeTempDir } from "../helpers/fixtures.ts";
import { LexiconModel } from "../helpers/lexicon-model.ts";

const EVIL = `<script>alert("x")</script>|a&b`;

/** A lexicon model whose id and hyperparameters carry markup, to prove every field is escaped. */
class HostileLexicon extends LexiconModel {
  override metadata(): ModelMetadata {
    return { ...super.metadata(), id: EVIL, hyperparameters: { note: EVIL } };
  }
}

const reviews: Review[] = [];
for (let i = 0; i < 120; i++) {
  const label = (i % 2) as 0 | 1;
  const words = label ? ["good", "fun", "great"] : ["bad", "boring", "awful"];
  // Every fifth review uses the other class's word, so the metrics are not trivially perfect.
  const text = `The film. It was ${i % 5 === 0 ? words[(i + 1) % 3].replace(/^/, label ? "not " : "") : words[i % 3]} overall, ${"quite ".repeat(i % 7)}really.`;
  reviews.push({ id: String(i), text, label, rating: label ? 9 : 2 });
}

describe("report rendering", async () => {
  const report: EvalReport = await evaluateModel(new HostileLexicon(), reviews, {
    dataset: { name: `reviews ${EVIL}.csv`, sha256: "f".repeat(64) },
    robustness: { sampleSize: 60 },
  });
  const tmp = makeTempDir("eval-report-");
  afterAll(() => tmp.cleanup());

  it("renders every plot, and no robustness plot without a robustness section", () => {
    const plots = renderPlots(report);
    for (const svg of Object.values(plots)) expect(svg).toMatch(/^<svg /);
    expect(renderPlots({ ...report, robustness: undefined }).robustness).toBeNull();
  });

  it("Markdown has the metric, class and robustness tables with the report's numbers", () => {
    const md = renderMarkdown(report);
    const m = report.metrics;
    expect(md).toContain(`| Accuracy | ${(m.accuracy.value * 100).toFixed(2)}% (95% CI`);
    expect(md).toContain(`| positive | ${m.perClass.positive.precision.toFixed(4)} |`);
    expect(md).toContain(`| ${report.n} | ${report.ratingMetrics!.mae.toFixed(4)} |`);
    expect(md).toContain("| ALL CAPS | 60 |");
    expect(md).toContain(`| negative | ${m.confusion.tn} | ${m.confusion.fp} |`);
    // Raw HTML would pass through a Markdown renderer, and "|" would break a table: both escaped.
    expect(md).not.toContain("<script");
    expect(md).toContain('# Evaluation report — &lt;script&gt;alert("x")&lt;/script&gt;\\|a&amp;b');
  });

  it("HTML is one self-contained page with every user string escaped", () => {
    const html = renderHtml(report);
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html.match(/<svg xmlns=/g)).toHaveLength(5);
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<th scope="col">Precision</th>');
  });

  it("writes report.json, report.md, report.html and the SVGs atomically", async () => {
    const dir = join(tmp.dir, "out");
    const written = await writeReport(report, dir);
    expect(JSON.parse(readFileSync(written.json, "utf8"))).toEqual(report);
    expect(readFileSync(written.html, "utf8")).toBe(renderHtml(report));
    expect(readdirSync(dir).sort()).toEqual(["plots", "report.html", "report.json", "report.md"]);
    expect(readdirSync(join(dir, "plots")).sort()).toEqual([
      "confusion.svg",
      "histogram.svg",
      "reliability.svg",
      "robustness.svg",
      "roc.svg",
    ]);
  });
});
