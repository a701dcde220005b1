// Types for build.mjs (imported by test setup).
export function findLibtorch(): { includes: string[]; libDir: string } | undefined;
export function ensureBuilt(options?: {
  force?: boolean;
  log?: (msg: string) => void;
}): "built" | "up-to-date" | "no-libtorch";
