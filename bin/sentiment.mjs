#!/usr/bin/env node
// Entry point for the `sentiment` CLI. The product is written in TypeScript and run through tsx's
// loader, so there is no build step between `npm ci` and a working CLI or server.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
