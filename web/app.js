// Entry point of the web UI: accessible tabs (arrow keys, Home/End) and the three panels.
import { initAnalyze } from "./analyze.js";
import { getJson } from "./api.js";
import { initBatch } from "./batch.js";
import { initExperiments, loadExperimentsTab } from "./experiments.js";
import { badgeText, initModelTab, loadModelTab } from "./model.js";

const tabs = [...document.querySelectorAll('[role="tab"]')];
let modelTabLoaded = false;
let experimentsLoaded = false;

function setBadge(active) {
  document.getElementById("model-badge").textContent = badgeText(active);
}

function selectTab(tab, { focus = true } = {}) {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute("aria-selected", String(selected));
    t.tabIndex = selected ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  const name = tab.id.replace("tab-", "");
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  if (name === "model" && !modelTabLoaded) {
    modelTabLoaded = true;
    loadModelTab(setBadge);
  }
  if (name === "experiments" && !experimentsLoaded) {
    experimentsLoaded = true;
    loadExperimentsTab();
  }
}

for (const tab of tabs) {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (event) => {
    const i = tabs.indexOf(tab);
    const next = {
      ArrowRight: tabs[(i + 1) % tabs.length],
      ArrowLeft: tabs[(i - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (next) {
      event.preventDefault();
      selectTab(next);
    }
  });
}

initAnalyze();
initBatch();
initModelTab(setBadge);
initExperiments();

const initial = tabs.find((t) => `#${t.id.replace("tab-", "")}` === location.hash);
if (initial) selectTab(initial, { focus: false });

getJson("/v1/models")
  .then(({ active }) => setBadge(active))
  .catch((error) => {
    document.getElementById("model-badge").textContent = `Model unavailable: ${error.message}`;
  });
