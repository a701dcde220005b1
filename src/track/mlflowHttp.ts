// HTTP plumbing for MLflow's REST API 2.0: JSON requests, authentication from MLflow's own environment
// variables (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD), and
// MLflow's error bodies ({error_code, message}) turned into readable errors.
import { UserError } from "../util/errors.ts";

export class MlflowApiError extends UserError {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string,
  ) {
    super(message);
    this.name = "MlflowApiError";
  }
}

export type Query = Record<string, string | number | undefined>;

export class MlflowHttp {
  readonly base: string;
  readonly #headers: Record<string, string>;

  constructor(uri: string) {
    this.base = uri.replace(/\/+$/, "");
    this.#headers = {};
    const token = process.env.MLFLOW_TRACKING_TOKEN;
    const user = process.env.MLFLOW_TRACKING_USERNAME;
    if (token) this.#headers.authorization = `Bearer ${token}`;
    else if (user) {
      const basic = Buffer.from(`${user}:${process.env.MLFLOW_TRACKING_PASSWORD ?? ""}`).toString("base64");
      this.#headers.authorization = `Basic ${basic}`;
    }
  }

  /** Call `/api/2.0/mlflow/<endpoint>`; resolves with the parsed JSON response. */
  async call<T>(method: "GET" | "POST" | "PATCH" | "DELETE", endpoint: string, payload?: object): Promise<T> {
    let url = `${this.base}/api/2.0/mlflow/${endpoint}`;
    let body: string | undefined;
    // As MLflow's own client (rest_utils.call_endpoint): GET sends fields as the query string,
    // every other method (DELETE included) as a JSON body, which is where the server reads them.
    if (method === "GET") {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(payload ?? {})) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s) url += `?${s}`;
    } else {
      body = JSON.stringify(payload ?? {});
    }
    const res = await this.#fetch(url, {
      method,
      body,
      headers: { ...this.#headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    });
    return this.#parse<T>(res, `${method} ${endpoint}`);
  }

  /** Upload one artifact file through the server's artifact proxy (`mlflow server --serve-artifacts`). */
  async putArtifact(path: string, data: Uint8Array): Promise<void> {
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts/${encodeArtifactPath(path)}`;
    const res = await this.#fetch(url, {
      method: "PUT",
      body: Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as BodyInit,
      headers: { ...this.#headers, "content-type": "application/octet-stream" },
    });
    await this.#parse(res, `PUT artifact ${path}`);
  }

  async getArtifact(path: string): Promise<Uint8Array> {
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts/${encodeArtifactPath(path)}`;
    const res = await this.#fetch(url, { method: "GET", headers: this.#headers });
    if (!res.ok) await this.#parse(res, `GET artifact ${path}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UserError(
        `cannot reach the MLflow tracking server at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message}); check MLFLOW_TRACKING_URI`,
      );
    }
  }

  async #parse<T>(res: Response, what: string): Promise<T> {
    const text = await res.text();
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      if (res.ok)
        throw new UserError(
          `MLflow server ${this.base} answered ${what} with non-JSON: ${text.slice(0, 200)}`,
        );
    }
    if (!res.ok) {
      const e = json as { error_code?: string; message?: string };
      throw new MlflowApiError(
        `MLflow server ${this.base} rejected ${what}: ${res.status} ${e.error_code ?? ""} ${e.message ?? text.slice(0, 200)}`.trim(),
        res.status,
        e.error_code ?? "",
      );
    }
    return json as T;
  }
}

function encodeArtifactPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UserError(`artifact path "${path}" leaves the run's artifact folder`);
  return parts.map(encodeURIComponent).join("/");
}

/** JSON cannot carry NaN/Infinity; protobuf's JSON mapping accepts these strings for doubles. */
export function jsonDouble(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

export function parseDouble(v: number | string): number {
  return typeof v === "number" ? v : Number(v);
}
