// The Analyze tab: one review -> label, confidence, probability bars, stars, highlighted tokens, feedback.
import { postJson } from "./api.js";
import { capitalize, percent, showError, starGlyphs } from "./format.js";
import { renderFeatures, renderHighlights } from "./highlight.js";
import { SAMPLES } from "./samples.js";

const $ = (id) => document.getElementById(id);

function setBar(name, p) {
  $(`bar-${name}`).querySelector(".bar-fill").style.width = `${(p * 100).toFixed(1)}%`;
  $(`bar-${name}-value`).textContent = percent(p);
}

function showResult(result, text) {
  const { prediction, model } = result;
  const label = $("result-label");
  label.textContent = capitalize(prediction.label);
  label.className = `label-pill ${prediction.label}`;
  $("result-confidence").textContent = `${percent(prediction.confidence)} confident`;
  setBar("positive", prediction.probabilities.positive);
  setBar("negative", prediction.probabilities.negative);

  const stars = $("result-stars");
  stars.hidden = prediction.rating === null;
  if (prediction.rating !== null) {
    stars.querySelector(".stars-glyphs").textContent = starGlyphs(prediction.rating);
    stars.querySelector(".stars-text").textContent = `${prediction.rating.toFixed(1)} / 10 stars (predicted)`;
  }

  renderHighlights($("highlighted"), result);
  renderFeatures($("feature-list"), result);
  $("result-model").textContent = `Model ${model.id} · version ${model.version ?? "n/a"} · ${model.family}`;

  const other = prediction.label === "positive" ? "negative" : "positive";
  $("feedback-other").textContent = other;
  $("feedback-status").textContent = "";
  for (const id of ["feedback-yes", "feedback-no"]) $(id).disabled = false;
  current = { text, prediction, model, other };
  $("result").hidden = false;
  // One sentence for screen readers; the visual result is too rich to be read as it changes.
  $("analyze-announce").textContent =
    `${capitalize(prediction.label)}, ${percent(prediction.confidence)} confident` +
    (prediction.rating === null ? "." : `, ${prediction.rating.toFixed(1)} of 10 stars.`);
}

let current = null;

async function sendFeedback(correct) {
  if (!current) return;
  const { text, prediction, model, other } = current;
  const status = $("feedback-status");
  for (const id of ["feedback-yes", "feedback-no"]) $(id).disabled = true;
  try {
    await postJson("/v1/feedback", {
      text,
      predicted: prediction.label,
      label: correct ? prediction.label : other,
      confidence: prediction.confidence,
      model: model.id,
      version: model.version,
    });
    status.textContent = "Thanks — feedback saved.";
  } catch (error) {
    status.textContent = `Could not save feedback: ${error.message}`;
    for (const id of ["feedback-yes", "feedback-no"]) $(id).disabled = false;
  }
}

export function initAnalyze() {
  const form = $("analyze-form");
  const textarea = $("review-text");
  const button = $("analyze-button");
  const errorBox = $("analyze-error");
  const count = $("char-count");

  const updateCount = () => {
    const n = textarea.value.length;
    count.textContent = `${n.toLocaleString()} character${n === 1 ? "" : "s"}`;
  };
  textarea.addEventListener("input", updateCount);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  for (const sample of document.querySelectorAll("button.sample")) {
    sample.addEventListener("click", () => {
      textarea.value = SAMPLES[sample.dataset.sample];
      updateCount();
      form.requestSubmit();
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (text.trim() === "") {
      showError(errorBox, new Error("Type or paste a review first."));
      textarea.focus();
      return;
    }
    showError(errorBox, null);
    button.disabled = true;
    button.textContent = "Analyzing…";
    form.setAttribute("aria-busy", "true");
    try {
      showResult(await postJson("/v1/explain", { text }), text);
    } catch (error) {
      showError(errorBox, error);
    } finally {
      button.disabled = false;
      button.textContent = "Analyze";
      form.removeAttribute("aria-busy");
    }
  });

  $("feedback-yes").addEventListener("click", () => sendFeedback(true));
  $("feedback-no").addEventListener("click", () => sendFeedback(false));
}
