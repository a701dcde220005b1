// `sentiment` command line. Each command lives in ./commands/<name>.ts and exports `register`.
// Exit codes: 0 ok, 1 unexpected error, 2 usage / user error, 3 bad input data, 4 bad model file.
import { Command, CommanderError } from "commander";
import { UserError } from "../util/errors.ts";
import { commands } from "./commands/index.ts";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("sentiment")
    .description("Sentiment analysis of reviews: train, evaluate, predict, serve")
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
