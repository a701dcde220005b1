// The Batch tab: upload a CSV/TSV/JSONL file, score it on the server, show the rows, download the result.
import { postJson, request } from "./api.js";
import { capitalize, el, percent, showError, starGlyphs } from "./format.js";

const $ = (id) => document.getElementById(id);
/** Rows shown in the table; the download always has all of them. */
const MAX_TABLE_ROWS = 500;
const PREDICTION_COLUMNS = [
  "pred_label",
  "pred_confidence",
  "pred_p_negative",
  "pred_p_positive",
  "pred_rating",
];

let scored = null; // { rows, columns, textColumn, name }

/** RFC 4180 field quoting; values are written exactly as scored (the file feeds retraining). */
function csvCell(value) {
  if (value === null || value === undefined) return "";
  const s = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function toCsv(columns, rows) {
  const lines = [columns.map(csvCell).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function columnsOf(rows) {
  const seen = new Set();
  for (const row of rows)
    for (const key of Object.keys(row)) if (!PREDICTION_COLUMNS.includes(key)) seen.add(key);
  return [...seen, ...PREDICTION_COLUMNS];
}

function feedbackButton(row, textColumn) {
  const other = row.pred_label === "positive" ? "negative" : "positive";
  const button = el("button", "Wrong?", { type: "button", class: "small" });
  button.setAttribute("aria-label", `Mark as ${other}`);
  button.title = `The right label is ${other}`;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await postJson("/v1/feedback", {
        text: String(row[textColumn]),
        predicted: row.pred_label,
        label: other,
        confidence: row.pred_confidence,
      });
      button.textContent = `Saved: ${other}`;
    } catch (error) {
      button.disabled = false;
      button.textContent = "Retry";
      button.title = error.message;
    }
  });
  return button;
}

function renderTable(rows, textColumn) {
  const tbody = $("batch-table").querySelector("tbody");
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  tbody.replaceChildren(
    ...shown.map((row, i) => {
      const tr = el("tr");
      tr.append(el("td", i + 1, { class: "num" }));
      tr.append(el("td", String(row[textColumn] ?? ""), { class: "review-cell" }));
      tr.append(el("td", capitalize(row.pred_label), { class: `label-cell ${row.pred_label}` }));
      tr.append(el("td", percent(row.pred_confidence), { class: "num" }));
      const stars = el("td", row.pred_rating === null ? "–" : row.pred_rating.toFixed(1), { class: "num" });
      if (row.pred_rating !== null) stars.title = starGlyphs(row.pred_rating);
      tr.append(stars);
      const fb = el("td");
      fb.append(feedbackButton(row, textColumn));
      tr.append(fb);
      return tr;
    }),
  );
  const positives = rows.filter((r) => r.pred_label === "positive").length;
  $("batch-caption").textContent =
    `${rows.length.toLocaleString()} reviews scored: ${positives.toLocaleString()} positive, ` +
    `${(rows.length - positives).toLocaleString()} negative` +
    (rows.length > shown.length ? ` (first ${shown.length} shown; the download has all)` : "");
  $("batch-table-wrap").hidden = false;
}

export function initBatch() {
  const form = $("batch-form");
  const fileInput = $("batch-file");
  const button = $("batch-button");
  const download = $("batch-download");
  const errorBox = $("batch-error");
  const status = $("batch-status");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    if (!file) {
      showError(errorBox, new Error("Choose a file first."));
      fileInput.focus();
      return;
    }
    showError(errorBox, null);
    button.disabled = true;
    download.disabled = true;
    status.textContent = `Scoring ${file.name}…`;
    const started = performance.now();
    try {
      const body = new FormData();
      body.append("file", file, file.name);
      // JSON Lines keeps types (numbers, nulls) for the table; the CSV download is built from it.
      const response = await request("/v1/predict/file?output=jsonl", { method: "POST", body });
      const textColumn = decodeURIComponent(response.headers.get("x-sentiment-text-column") ?? "text");
      const lines = (await response.text()).split("\n").filter((line) => line !== "");
      const rows = lines.map((line) => JSON.parse(line));
      scored = { rows, columns: columnsOf(rows), textColumn, name: file.name };
      renderTable(rows, textColumn);
      const seconds = (performance.now() - started) / 1000;
      status.textContent = `Scored ${rows.length.toLocaleString()} reviews in ${seconds.toFixed(1)} s.`;
      download.disabled = false;
    } catch (error) {
      status.textContent = "";
      showError(errorBox, error);
      $("batch-table-wrap").hidden = true;
    } finally {
      button.disabled = false;
    }
  });

  download.addEventListener("click", () => {
    if (!scored) return;
    const blob = new Blob([toCsv(scored.columns, scored.rows)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = el("a", null, {
      href: url,
      download: `${scored.name.replace(/\.[^.]*$/, "")}.predictions.csv`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
}
