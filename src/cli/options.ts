// Parsers for option values shared by the CLI commands, each failing with a UserError that names the flag.
import { UserError } from "../util/errors.ts";

/** An optional positive integer option ("--limit 500"). */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/** An optional JSON-object option ("--params '{\"C\": 0.3}'"). */
export function jsonObject(text: string | undefined, flag: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v;
  } catch (err) {
    throw new UserError(`${flag} must be a JSON object: ${(err as Error).message}`);
  }
}
