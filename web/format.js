// Small formatting helpers shared by the tabs.

export const percent = (p, digits = 1) => `${(p * 100).toFixed(digits)}%`;

export const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** "★★★★★★★☆☆☆" for a 1-10 rating, rounded to whole stars. */
export function starGlyphs(rating) {
  const full = Math.max(0, Math.min(10, Math.round(rating)));
  return "★".repeat(full) + "☆".repeat(10 - full);
}

/** Create an element with text content (never HTML) and attributes. */
export function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

export function showError(node, error) {
  node.textContent = error ? error.message || String(error) : "";
  node.hidden = !error;
}
