// MLflow's model registry over REST: registered-models/{create,get,search,alias},
// model-versions/{create,get,search,set-tag}. Versions are strings on the wire, numbers here.
import { MlflowApiError, type MlflowHttp } from "./mlflowHttp.ts";
import { validateAlias, validateModelName } from "./names.ts";
import type {
  CreateModelVersionOptions,
  ModelRegistry,
  ModelVersion,
  ModelVersionStage,
  RegisteredModel,
} from "./tracker.ts";

interface RegisteredModelJson {
  name: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  description?: string;
  latest_versions?: { version: string }[];
  tags?: { key: string; value: string }[];
  aliases?: { alias: string; version: string }[];
}

interface ModelVersionJson {
  name: string;
  version: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  description?: string;
  run_id?: string;
  source: string;
  status?: ModelVersion["status"];
  current_stage?: ModelVersionStage;
  tags?: { key: string; value: string }[];
  aliases?: string[];
}

function notFound(err: unknown): boolean {
  return err instanceof MlflowApiError && (err.errorCode === "RESOURCE_DOES_NOT_EXIST" || err.status === 404);
}

function modelFromJson(m: RegisteredModelJson): RegisteredModel {
  const versions = (m.latest_versions ?? []).map((v) => Number(v.version));
  return {
    name: m.name,
    description: m.description ?? null,
    creationTimestamp: Number(m.creation_timestamp ?? 0),
    lastUpdatedTimestamp: Number(m.last_updated_timestamp ?? 0),
    tags: Object.fromEntries((m.tags ?? []).map((t) => [t.key, t.value])),
    aliases: Object.fromEntries((m.aliases ?? []).map((a) => [a.alias, Number(a.version)])),
    latestVersion: versions.length ? Math.max(...versions) : null,
  };
}

function versionFromJson(v: ModelVersionJson): ModelVersion {
  return {
    name: v.name,
    version: Number(v.version),
    creationTimestamp: Number(v.creation_timestamp ?? 0),
    lastUpdatedTimestamp: Number(v.last_updated_timestamp ?? 0),
    description: v.description ?? null,
    runId: v.run_id || null,
    source: v.source,
    storageLocation: null,
    status: v.status ?? "READY",
    currentStage: v.current_stage ?? "None",
    tags: Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value])),
    aliases: v.aliases ?? [],
  };
}

export class MlflowRestRegistry implements ModelRegistry {
  readonly #http: MlflowHttp;

  constructor(http: MlflowHttp) {
    this.#http = http;
  }

  async createRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    try {
      const res = await this.#http.call<{ registered_model: RegisteredModelJson }>(
        "POST",
        "registered-models/create",
        {
          name,
          ...(description ? { description } : {}),
        },
      );
      return modelFromJson(res.registered_model);
    } catch (err) {
      if (err instanceof MlflowApiError && err.errorCode === "RESOURCE_ALREADY_EXISTS") {
        return (await this.getRegisteredModel(name))!;
      }
      throw err;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      const res = await this.#http.call<{ registered_model: RegisteredModelJson }>(
        "GET",
        "registered-models/get",
        {
          name,
        },
      );
      return modelFromJson(res.registered_model);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.#http.call<{
        registered_models?: RegisteredModelJson[];
        next_page_token?: string;
      }>("GET", "registered-models/search", { max_results: 1000, page_token: pageToken });
      out.push(...(res.registered_models ?? []).map(modelFromJson));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    await this.createRegisteredModel(options.name);
    const res = await this.#http.call<{ model_version: ModelVersionJson }>("POST", "model-versions/create", {
      name: options.name,
      source: options.source,
      ...(options.runId ? { run_id: options.runId } : {}),
      ...(options.description ? { description: options.description } : {}),
      tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    return versionFromJson(res.model_version);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    try {
      const res = await this.#http.call<{ model_version: ModelVersionJson }>("GET", "model-versions/get", {
        name,
        version: String(version),
      });
      return versionFromJson(res.model_version);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const res = await this.#http.call<{ model_versions?: ModelVersionJson[] }>(
      "GET",
      "model-versions/search",
      {
        filter: `name='${name.replaceAll("'", "\\'")}'`,
        max_results: 10000,
      },
    );
    return (res.model_versions ?? []).map(versionFromJson).sort((a, b) => a.version - b.version);
  }

  async setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    await this.#http.call("POST", "model-versions/set-tag", { name, version: String(version), key, value });
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    validateAlias(alias);
    await this.#http.call("POST", "registered-models/alias", { name, alias, version: String(version) });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.#http.call("DELETE", "registered-models/alias", { name, alias });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const res = await this.#http.call<{ model_version: ModelVersionJson }>(
        "GET",
        "registered-models/alias",
        {
          name,
          alias,
        },
      );
      return versionFromJson(res.model_version);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }
}
