// README.md of a fine-tuned checkpoint: what it was started from, how it was trained, how it scored,
// and how to load it here and in Hugging Face's transformers.
import type { ModelMetadata } from "../model.ts";
import type { EpochRecord } from "./train.ts";

function fmt(v: unknown): string {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v);
}

export function modelCard(meta: ModelMetadata, history: readonly EpochRecord[]): string {
  const d = meta.details as { sourceCheckpoint: string; recipe: Record<string, unknown>; engine: string };
  const r = d.recipe as {
    phase1: { epochs: number; lr: number; trains: string };
    phase2: { epochs: number; lr: number; trains: string };
    optimizer: string;
    maxLength: number;
    longText: string;
    trainExamples?: number;
  };
  const lines = [
    "---",
    "library_name: transformers",
    "pipeline_tag: text-classification",
    "tags: [sentiment-analysis, distilbert, imdb]",
    "---",
    "",
    `# ${meta.id}`,
    "",
    `DistilBERT sentiment classifier (NEGATIVE / POSITIVE), fine-tuned from \`${d.sourceCheckpoint}\` with the imdb-sentiment project's libtorch trainer (${d.engine}).`,
    "",
    "## Recipe",
    "",
    `- Phase 1: ${r.phase1.trains}, encoder frozen — ${r.phase1.epochs} epoch(s) at lr ${r.phase1.lr}.`,
    `- Phase 2: ${r.phase2.trains} — ${r.phase2.epochs} epoch(s) at lr ${r.phase2.lr}.`,
    `- ${r.optimizer}; batch ${fmt(meta.hyperparameters.batchSize)}; seed ${fmt(meta.hyperparameters.seed)}; precision ${fmt(meta.hyperparameters.precision ?? "fp32")}.`,
    `- Input: ${r.maxLength} tokens per review, long reviews by "${r.longText}".`,
    `- Training reviews: ${r.trainExamples ?? "n/a"}${meta.dataSha256 ? ` (data sha256 ${meta.dataSha256.slice(0, 16)}…)` : ""}; the best epoch on the validation split was kept.`,
    "",
    "## Results",
    "",
    "| phase | epoch | train loss | val loss | val accuracy | seconds |",
    "| --- | --- | --- | --- | --- | --- |",
    ...history.map(
      (h) =>
        `| ${h.phase} | ${h.epoch} | ${fmt(h.trainLoss)} | ${fmt(h.valLoss)} | ${fmt(h.valAccuracy)} | ${h.seconds.toFixed(1)} |`,
    ),
    "",
    ...Object.entries(meta.metrics).map(([k, v]) => `- ${k}: ${fmt(v)}`),
    "",
    "## Use",
    "",
    "```",
    'sentiment predict --model <this folder> "A wonderful film."',
    "```",
    "",
    "```python",
    "from transformers import pipeline",
    'clf = pipeline("text-classification", model="<this folder>")',
    "```",
    "",
  ];
  return lines.join("\n");
}
