// The Model tab: what is being served, switching models, and the evaluation report (metrics, confusion
// matrix, plots). Plots are fetched with the API key and shown from blob: URLs.
import { getJson, postJson, request } from "./api.js";
import { el, percent, showError } from "./format.js";

const $ = (id) => document.getElementById(id);
const PLOTS = [
  ["confusion", "Confusion matrix"],
  ["roc", "ROC curve"],
  ["reliability", "Reliability diagram (calibration)"],
  ["histogram", "Distribution of P(positive) by true class"],
  ["robustness", "Robustness: accuracy by slice and perturbation"],
];
const objectUrls = [];
let reportUrl = null; // blob: URL of the HTML report (fetched with the API key, so no plain link)

const f4 = (v) => (v === null || v === undefined ? "n/a" : Number(v).toFixed(4));

function fact(dl, term, value) {
  if (value === null || value === undefined || value === "") return;
  dl.append(el("dt", term), el("dd", value));
}

export function badgeText(active) {
  return `Model: ${active.id} · ${active.family} · v${active.version ?? "n/a"}`;
}

function renderFacts(active) {
  const dl = $("model-facts");
  dl.replaceChildren();
  fact(dl, "Name", active.id);
  fact(dl, "Version", active.version);
  fact(dl, "Family", active.family);
  fact(dl, "Model id", active.modelId);
  fact(
    dl,
    "Trained",
    active.metadata.createdAt ? new Date(active.metadata.createdAt).toLocaleString() : null,
  );
  if (active.metadata.parameterCount) fact(dl, "Parameters", active.metadata.parameterCount.toLocaleString());
  fact(dl, "Loaded", `${new Date(active.loadedAt).toLocaleString()} (${active.loadSeconds.toFixed(2)} s)`);
  const metrics = active.metadata.metrics ?? {};
  const shown = Object.entries(metrics).slice(0, 8);
  if (shown.length) {
    fact(
      dl,
      "Fit-time metrics",
      shown.map(([k, v]) => `${k} ${Number.isInteger(v) ? v : Number(v).toFixed(4)}`).join(" · "),
    );
  }
}

function renderSelect(models, active) {
  const select = $("model-select");
  select.replaceChildren(
    ...models.map((m) => {
      const option = el("option", `${m.id}${m.active ? " (active)" : ""}${m.error ? " — cannot load" : ""}`, {
        value: m.id,
      });
      if (m.error) {
        option.disabled = true;
        option.title = m.error;
      }
      if (m.id === active.id) option.selected = true;
      return option;
    }),
  );
}

async function blobUrl(path) {
  const blob = await (await request(path)).blob();
  const url = URL.createObjectURL(blob);
  objectUrls.push(url);
  return url;
}

async function renderReport(active) {
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  const empty = $("report-empty");
  const body = $("report-body");
  if (!active.hasReport) {
    body.hidden = true;
    empty.hidden = false;
    empty.textContent =
      `No evaluation report for "${active.id}". Create one with "sentiment evaluate --model <file> --out <dir>" ` +
      `and save its report.json beside the model as ${active.id}.report.json.`;
    return;
  }
  const id = encodeURIComponent(active.id);
  const report = await getJson(`/v1/models/${id}/report`);
  const m = report.metrics;
  $("report-dataset").textContent =
    `Measured on ${report.dataset.name} (${report.n.toLocaleString()} reviews), ${new Date(report.createdAt).toLocaleDateString()}.`;

  const rows = [
    [
      "Accuracy",
      `${percent(m.accuracy.value, 2)} (95% CI ${percent(m.accuracy.low, 2)}–${percent(m.accuracy.high, 2)})`,
    ],
    ["ROC-AUC", f4(m.rocAuc)],
    ["Macro F1", f4(m.macro.f1)],
    [
      "Precision / recall (positive)",
      `${f4(m.perClass.positive.precision)} / ${f4(m.perClass.positive.recall)}`,
    ],
    ["Log-loss", f4(m.logLoss)],
    ["Brier score", f4(m.brier)],
    ["Calibration error (ECE)", f4(m.ece)],
  ];
  if (report.ratingMetrics) {
    rows.push(["Star rating MAE", `${report.ratingMetrics.mae.toFixed(2)} stars`]);
    rows.push(["Rating within 1 star", percent(report.ratingMetrics.within1)]);
  }
  if (report.timing)
    rows.push(["Throughput", `${Math.round(report.timing.predictionsPerSecond).toLocaleString()} reviews/s`]);
  $("metrics-table")
    .querySelector("tbody")
    .replaceChildren(
      ...rows.map(([name, value]) => {
        const tr = el("tr");
        tr.append(el("th", name, { scope: "row" }), el("td", value, { class: "num" }));
        return tr;
      }),
    );

  const c = m.confusion;
  const confusionRow = (name, a, b) => {
    const tr = el("tr");
    tr.append(
      el("th", name, { scope: "row" }),
      el("td", a.toLocaleString(), { class: "num" }),
      el("td", b.toLocaleString(), { class: "num" }),
    );
    return tr;
  };
  $("confusion-table")
    .querySelector("tbody")
    .replaceChildren(confusionRow("True negative", c.tn, c.fp), confusionRow("True positive", c.fn, c.tp));

  const plots = $("plots");
  plots.replaceChildren();
  for (const [name, title] of PLOTS) {
    if (name === "robustness" && !report.robustness) continue;
    const figure = el("figure");
    const img = el("img", null, { alt: title, loading: "lazy" });
    figure.append(img, el("figcaption", title));
    plots.append(figure);
    blobUrl(`/v1/models/${id}/plots/${name}`)
      .then((url) => {
        img.src = url;
      })
      .catch(() => figure.remove());
  }
  reportUrl = await blobUrl(`/v1/models/${id}/report.html`);
  empty.hidden = true;
  body.hidden = false;
}

export async function loadModelTab(onActive) {
  const errorBox = $("model-error");
  try {
    const { active, models } = await getJson("/v1/models");
    onActive(active);
    renderFacts(active);
    renderSelect(models, active);
    showError(errorBox, null);
    await renderReport(active);
  } catch (error) {
    showError(errorBox, error);
  }
}

export function initModelTab(onActive) {
  $("report-link").addEventListener("click", () => {
    if (reportUrl) window.open(reportUrl, "_blank", "noopener");
  });
  $("switch-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = $("model-select").value;
    const status = $("switch-status");
    const button = $("switch-button");
    button.disabled = true;
    status.textContent = `Loading ${id}…`;
    try {
      const { active } = await postJson(`/v1/models/${encodeURIComponent(id)}/activate`, {});
      status.textContent = `Now serving ${active.id} (loaded in ${active.loadSeconds.toFixed(2)} s).`;
      await loadModelTab(onActive);
    } catch (error) {
      status.textContent = "";
      showError($("model-error"), error);
    } finally {
      button.disabled = false;
    }
  });
}
