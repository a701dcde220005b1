// Validation of metric/param/tag keys and values by MLflow's rules, applied on write so that every
// run this project records can also be exported to, and read by, MLflow (which re-checks on read).
import { posix } from "node:path";
import { UserError } from "../util/errors.ts";

/** MLflow's mlflow/utils/validation.py limits. */
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
const KEY_PATTERN = /^[/\w.\- :]*$/;

/** @throws UserError naming the key and the rule it breaks. */
export function validateKey(kind: "metric" | "param" | "tag", key: string): void {
  if (typeof key !== "string" || key === "") throw new UserError(`${kind} name must be a non-empty string`);
  if (key.length > 250)
    throw new UserError(`${kind} name "${key.slice(0, 40)}…" is longer than 250 characters`);
  if (!KEY_PATTERN.test(key)) {
    throw new UserError(
      `${kind} name "${key}" may only contain letters, digits, underscores, dashes, periods, spaces, colons and slashes`,
    );
  }
  if (posix.normalize(key) !== key || key === "." || key.startsWith("..") || key.startsWith("/")) {
    throw new UserError(
      `${kind} name "${key}" is not a clean relative path (no "..", "./", "//" or leading "/")`,
    );
  }
}

export function validateParamValue(key: string, value: string): void {
  if (value.length > MAX_PARAM_VALUE_LENGTH) {
    throw new UserError(
      `param "${key}" is ${value.length} characters long; MLflow allows ${MAX_PARAM_VALUE_LENGTH}`,
    );
  }
}

export function validateTagValue(key: string, value: string): void {
  if (typeof value !== "string") throw new UserError(`tag "${key}" must be a string`);
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    throw new UserError(
      `tag "${key}" is ${value.length} characters long; MLflow allows ${MAX_TAG_VALUE_LENGTH}`,
    );
  }
}

export function validateMetric(key: string, value: number, step: number, timestamp: number): void {
  validateKey("metric", key);
  if (typeof value !== "number") throw new UserError(`metric "${key}" must be a number, got ${typeof value}`);
  if (!Number.isSafeInteger(step))
    throw new UserError(`metric "${key}": step must be an integer, got ${step}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new UserError(`metric "${key}": timestamp must be a non-negative integer (ms), got ${timestamp}`);
  }
}

/** Registered-model names become folder names in MLflow's file store. */
export function validateModelName(name: string): void {
  if (!name || /[/\\%]/.test(name) || name === "." || name === "..") {
    throw new UserError(`model name "${name}" must be non-empty and contain no "/", "\\" or "%"`);
  }
}

/** MLflow alias rules: ^[\w-]*$, not "latest", not v<digits>. */
export function validateAlias(alias: string): void {
  if (!/^[\w-]{1,255}$/.test(alias) || alias.toLowerCase() === "latest" || /^v\d+$/i.test(alias)) {
    throw new UserError(
      `alias "${alias}" is invalid: use letters, digits, "_" or "-", not "latest" or "v<number>"`,
    );
  }
}

/** A run id in MLflow's format: uuid4 hex, 32 lowercase hex characters. */
export function newRunId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
