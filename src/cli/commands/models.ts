// `sentiment models register|list|show|promote`: the model registry (registered models, versions,
// aliases such as production/staging) in the tracking store.
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  DEFAULT_MODEL_NAME,
  findVersion,
  modelCard,
  PRODUCTION,
  promoteModel,
  registerModel,
} from "../../track/modelRegistry.ts";
import { TRACKING_URI_HELP, withTracker } from "../../track/open.ts";
import { formatNumber, table } from "../../track/runViews.ts";
import { UserError } from "../../util/errors.ts";

const URI_HELP = TRACKING_URI_HELP;

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function register(program: Command): void {
  const models = program.command("models").description("Model registry: register, list, show, promote");

  models
    .command("register <modelFile>")
    .description("Register a model file as a new version (copied into its run's artifacts)")
    .option("--name <name>", "registered model name", DEFAULT_MODEL_NAME)
    .option("--run <runId>", "run that produced the model (default: a registration run is recorded)")
    .option("--description <text>", "version description")
    .option("--alias <alias>", "also point this alias at the new version (e.g. staging)")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--json", "print JSON")
    .action(async (file: string, opts) => {
      await withTracker(opts.trackingUri, async (t) => {
        const v = await registerModel(t, {
          name: opts.name,
          modelPath: resolve(file),
          runId: opts.run,
          description: opts.description,
        });
        if (opts.alias) await promoteModel(t, v.name, v.version, { alias: opts.alias });
        if (opts.json) return print(JSON.stringify(await findVersion(t, `${v.name}@${v.version}`)));
        print(
          `registered ${v.name} version ${v.version} from run ${v.runId}${opts.alias ? ` as @${opts.alias}` : ""}`,
        );
      });
    });

  models
    .command("list [name]")
    .description("Registered models, or the versions of one model")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--json", "print JSON")
    .action(async (name: string | undefined, opts) => {
      await withTracker(opts.trackingUri, async (t) => {
        if (!name) {
          const list = await t.registry.listRegisteredModels();
          if (opts.json) return print(JSON.stringify(list, null, 2));
          if (list.length === 0)
            return print(`no registered models in ${t.uri}; add one with "sentiment models register"`);
          return print(
            table(
              ["name", "latest", "aliases", "updated"],
              list.map((m) => [
                m.name,
                m.latestVersion,
                Object.entries(m.aliases)
                  .map(([a, v]) => `${a}=v${v}`)
                  .join(" "),
                new Date(m.lastUpdatedTimestamp).toISOString().slice(0, 19).replace("T", " "),
              ]),
            ),
          );
        }
        if (!(await t.registry.getRegisteredModel(name)))
          throw new UserError(`no registered model "${name}" in ${t.uri}`);
        const versions = await t.registry.listModelVersions(name);
        if (opts.json) return print(JSON.stringify(versions, null, 2));
        // Quality metrics first (accuracy, f1, auc, loss), then the rest alphabetically.
        const rank = (k: string) => (/accuracy|f1|auc|loss/.test(k) ? 0 : 1);
        const metricKeys = [
          ...new Set(versions.flatMap((v) => Object.keys(v.tags).filter((k) => k.startsWith("metric.")))),
        ]
          .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
          .slice(0, 4);
        print(
          table(
            ["version", "aliases", "family", "run", "created", ...metricKeys.map((k) => k.slice(7))],
            versions.map((v) => [
              v.version,
              v.aliases.join(" "),
              v.tags.family ?? null,
              v.runId?.slice(0, 8) ?? null,
              new Date(v.creationTimestamp).toISOString().slice(0, 19).replace("T", " "),
              ...metricKeys.map((k) => (k in v.tags ? formatNumber(Number(v.tags[k])) : null)),
            ]),
          ),
        );
      });
    });

  models
    .command("show <ref>")
    .description("Model card of a version: name@alias, name@<version> or @alias (default model name)")
    .option("--tracking-uri <uri>", URI_HELP)
    .action(async (ref: string, opts) => {
      await withTracker(opts.trackingUri, async (t) => {
        const v = await findVersion(t, ref.includes("@") ? ref : `${ref}@${PRODUCTION}`);
        print(JSON.stringify(await modelCard(t, v.name, v.version), null, 2));
      });
    });

  models
    .command("promote <ref>")
    .description("Point an alias (default production) at a version: name@<version>, or a version number")
    .option("--name <name>", "registered model name when <ref> is a bare version", DEFAULT_MODEL_NAME)
    .option("--alias <alias>", "alias to move", PRODUCTION)
    .option("--notify <url>", "running server to hot-swap (POST <url>/v1/models/<name>@<alias>/activate)")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--json", "print JSON")
    .action(async (ref: string, opts) => {
      const m = /^(?:(.*)@)?v?(\d+)$/.exec(ref);
      if (!m) throw new UserError(`"${ref}" is not a version: use <name>@<version> or a version number`);
      const name = m[1] || opts.name;
      await withTracker(opts.trackingUri, async (t) => {
        const r = await promoteModel(t, name, Number(m[2]), {
          alias: opts.alias,
          serverUrl: opts.notify ?? process.env.SENTIMENT_SERVER_URL,
        });
        if (opts.json) return print(JSON.stringify(r));
        print(
          `${name}@${opts.alias} -> version ${r.version.version}` +
            (r.previous !== null && r.previous !== r.version.version ? ` (was ${r.previous})` : ""),
        );
        if (r.notified) {
          print(
            r.notified.ok
              ? `server at ${r.notified.url} activated it`
              : `warning: server notification failed (${r.notified.status ?? ""} ${r.notified.message ?? ""}); the alias moved anyway`,
          );
        }
      });
    });
}
