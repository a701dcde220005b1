// The Experiments tab: tracked runs (params, metrics, curves) and side-by-side comparison, from the
// tracking store the server is connected to (/v1/runs). Curves are SVG charts drawn by the server.
import { getJson, request } from "./api.js";
import { el, showError } from "./format.js";

const $ = (id) => document.getElementById(id);
/** Metric columns shown in the runs table; the details show them all. */
const MAX_METRIC_COLUMNS = 4;
const MAX_COMPARE = 8;
const objectUrls = [];
const selected = new Set();

function formatValue(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return v.toLocaleString();
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4);
}

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "running";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The metrics most runs have, accuracy-like ones first. */
function metricColumns(runs) {
  const counts = new Map();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const score = (k) => counts.get(k) + (/acc|f1|auc/i.test(k) ? runs.length : 0);
  return [...counts.keys()]
    .sort((a, b) => score(b) - score(a) || a.localeCompare(b))
    .slice(0, MAX_METRIC_COLUMNS);
}

async function svgImage(path, alt) {
  const figure = el("figure");
  const img = el("img", null, { alt, loading: "lazy" });
  figure.append(img, el("figcaption", alt));
  try {
    const blob = await (await request(path)).blob();
    const url = URL.createObjectURL(blob);
    objectUrls.push(url);
    img.src = url;
  } catch (error) {
    figure.replaceChildren(el("p", `Cannot draw ${alt}: ${error.message}`, { class: "error" }));
  }
  return figure;
}

function keyValueRows(tbody, entries) {
  tbody.replaceChildren(
    ...entries.map(([k, v]) => {
      const tr = el("tr");
      tr.append(el("th", k, { scope: "row" }), el("td", formatValue(v), { class: "num" }));
      return tr;
    }),
  );
}

async function showRun(runId) {
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  const detail = await getJson(`/v1/runs/${encodeURIComponent(runId)}`);
  $("run-title").textContent = `Run ${detail.name || detail.runId}`;
  const facts = $("run-facts");
  facts.replaceChildren();
  for (const [term, value] of [
    ["Run id", detail.runId],
    ["Experiment", detail.experiment],
    ["Status", detail.status],
    ["Started", new Date(detail.startTime).toLocaleString()],
    ["Duration", formatDuration(detail.durationSeconds)],
    ["Parent run", detail.parentRunId],
    ["Git commit", detail.tags?.["mlflow.source.git.commit"] ?? detail.tags?.["git.commit"]],
    ["Artifacts", detail.artifacts?.length ? detail.artifacts.join(", ") : null],
  ]) {
    if (value) facts.append(el("dt", term), el("dd", value));
  }
  keyValueRows($("run-metrics").querySelector("tbody"), Object.entries(detail.metrics).sort());
  keyValueRows($("run-params").querySelector("tbody"), Object.entries(detail.params).sort());
  const plots = $("run-plots");
  plots.replaceChildren();
  const curves = Object.entries(detail.metricPoints ?? {})
    .filter(([, n]) => n > 1)
    .map(([k]) => k)
    .sort();
  for (const key of curves.slice(0, 12)) {
    const q = `runs=${encodeURIComponent(detail.runId)}&keys=${encodeURIComponent(key)}`;
    plots.append(await svgImage(`/v1/runs/plot?${q}`, `${key} by step`));
  }
  $("run-detail").hidden = false;
  $("run-detail").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function showComparison() {
  const ids = [...selected].slice(0, MAX_COMPARE);
  const cmp = await getJson(`/v1/runs/compare?ids=${ids.map(encodeURIComponent).join(",")}`);
  const thead = $("compare-table").querySelector("thead");
  const head = el("tr");
  head.append(el("td"));
  for (const r of cmp.runs)
    head.append(el("th", r.name || r.runId.slice(0, 8), { scope: "col", title: r.runId }));
  thead.replaceChildren(head);
  const rows = [];
  const section = (title) => {
    const tr = el("tr", null, { class: "section" });
    tr.append(el("th", title, { scope: "rowgroup", colspan: String(cmp.runs.length + 1) }));
    rows.push(tr);
  };
  section("Metrics");
  for (const m of cmp.metrics) {
    const tr = el("tr");
    tr.append(el("th", m.key, { scope: "row" }));
    for (const v of m.values) {
      const td = el("td", formatValue(v), { class: "num" });
      if (v !== null && v === m.best && cmp.runs.length > 1) {
        td.classList.add("best");
        td.title = "best";
      }
      tr.append(td);
    }
    rows.push(tr);
  }
  section("Parameters");
  for (const p of cmp.params) {
    const tr = el("tr", null, p.differs ? { class: "differs" } : {});
    const th = el("th", p.key, { scope: "row" });
    if (p.differs) th.append(el("span", " (differs)", { class: "visually-hidden" }));
    tr.append(th);
    for (const v of p.values) tr.append(el("td", v ?? "–"));
    rows.push(tr);
  }
  $("compare-table")
    .querySelector("tbody")
    .replaceChildren(...rows);

  // Curves of the metrics every selected run logged more than once, one line per run.
  const details = await Promise.all(ids.map((id) => getJson(`/v1/runs/${encodeURIComponent(id)}`)));
  const shared = Object.keys(details[0].metricPoints ?? {}).filter((k) =>
    details.every((d) => (d.metricPoints?.[k] ?? 0) > 1),
  );
  const plots = $("compare-plots");
  plots.replaceChildren();
  for (const key of shared.sort().slice(0, 6)) {
    const q = `runs=${ids.map(encodeURIComponent).join(",")}&keys=${encodeURIComponent(key)}`;
    plots.append(await svgImage(`/v1/runs/plot?${q}`, `${key} by step`));
  }
  $("compare").hidden = false;
  $("compare").scrollIntoView({ behavior: "smooth", block: "start" });
}

function renderRuns(store, runs) {
  $("runs-store").textContent = `Tracking store: ${store}`;
  const columns = metricColumns(runs);
  const head = el("tr");
  head.append(el("th", "Select", { scope: "col" }));
  for (const name of ["Run", "Experiment", "Status", "Started", "Duration", ...columns]) {
    head.append(el("th", name, { scope: "col" }));
  }
  $("runs-table").querySelector("thead").replaceChildren(head);
  selected.clear();
  $("runs-compare").disabled = true;
  $("runs-table")
    .querySelector("tbody")
    .replaceChildren(
      ...runs.map((r) => {
        const tr = el("tr");
        const pick = el("input", null, { type: "checkbox", "aria-label": `Select run ${r.name || r.runId}` });
        pick.addEventListener("change", () => {
          if (pick.checked) selected.add(r.runId);
          else selected.delete(r.runId);
          $("runs-compare").disabled = selected.size < 2 || selected.size > MAX_COMPARE;
        });
        const pickCell = el("td");
        pickCell.append(pick);
        const open = el("button", r.name || r.runId.slice(0, 8), { type: "button", class: "link" });
        open.title = r.runId;
        open.addEventListener("click", () => showRun(r.runId).catch((e) => showError($("runs-error"), e)));
        const nameCell = el("td");
        nameCell.append(open);
        tr.append(
          pickCell,
          nameCell,
          el("td", r.experiment),
          el("td", r.status, { class: `status ${r.status.toLowerCase()}` }),
          el("td", new Date(r.startTime).toLocaleString()),
          el("td", formatDuration(r.durationSeconds), { class: "num" }),
          ...columns.map((c) => el("td", formatValue(r.metrics[c]), { class: "num" })),
        );
        return tr;
      }),
    );
  $("runs-caption").textContent = runs.length
    ? `${runs.length} run${runs.length === 1 ? "" : "s"}, newest first; select two or more to compare`
    : "No runs yet: train or evaluate a model to record one.";
  $("runs-wrap").hidden = false;
}

export async function loadExperimentsTab() {
  const errorBox = $("runs-error");
  try {
    const experiment = $("runs-filter").value;
    const { store, runs } = await getJson(
      `/v1/runs${experiment ? `?experiment=${encodeURIComponent(experiment)}` : ""}`,
    );
    showError(errorBox, null);
    renderRuns(store, runs);
    if (!experiment) {
      const filter = $("runs-filter");
      const names = [...new Set(runs.map((r) => r.experiment))].sort();
      filter.replaceChildren(
        el("option", "All experiments", { value: "" }),
        ...names.map((n) => el("option", n, { value: n })),
      );
    }
  } catch (error) {
    showError(errorBox, error);
  }
}

export function initExperiments() {
  $("runs-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadExperimentsTab();
  });
  $("runs-compare").addEventListener("click", () =>
    showComparison().catch((e) => showError($("runs-error"), e)),
  );
}
