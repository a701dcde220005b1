// Talks to the server's /v1 API. Errors come back as Error objects carrying the server's clear message;
// a 401 asks for an API key once (kept in sessionStorage) and retries.

const KEY_STORAGE = "sentiment-api-key";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { "x-api-key": key } : {};
}

let pendingKey = null; // one dialog for all requests that got a 401 at the same time

/** Show the key dialog; resolves true when the user saved a key. */
function askForKey() {
  pendingKey ??= showKeyDialog().finally(() => {
    pendingKey = null;
  });
  return pendingKey;
}

function showKeyDialog() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const saved = dialog.returnValue === "save" && input.value.trim() !== "";
        if (saved) sessionStorage.setItem(KEY_STORAGE, input.value.trim());
        input.value = "";
        resolve(saved);
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
}

async function errorFrom(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const message = body?.message ?? `${response.status} ${response.statusText}`;
  return new ApiError(response.status, body?.code ?? "HTTP_ERROR", message);
}

/** fetch() with the API key, JSON errors turned into ApiError, and one retry after asking for a key. */
export async function request(path, init = {}) {
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, { ...init, headers: { ...authHeaders(), ...init.headers } });
    } catch {
      throw new ApiError(0, "NETWORK", "cannot reach the server; is it still running?");
    }
    if (response.status === 401 && attempt === 0 && (await askForKey())) continue;
    if (!response.ok) throw await errorFrom(response);
    return response;
  }
}

export async function postJson(path, body) {
  const response = await request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

export async function getJson(path) {
  return (await request(path)).json();
}
