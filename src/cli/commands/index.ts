// Every CLI command, one module each. Add new commands here.
import type { Command } from "commander";
import { register as cv } from "./cv.ts";
import { register as data } from "./data.ts";
import { register as embeddings } from "./embeddings.ts";
import { register as evaluate } from "./evaluate.ts";
import { register as feedback } from "./feedback.ts";
import { register as model } from "./model.ts";
import { register as models } from "./models.ts";
import { register as pipeline } from "./pipeline.ts";
import { register as predict } from "./predict.ts";
import { register as runs } from "./runs.ts";
import { register as serve } from "./serve.ts";
import { register as train } from "./train.ts";
import { register as tune } from "./tune.ts";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  train,
  predict,
  serve,
  feedback,
  evaluate,
  data,
  runs,
  models,
  model,
  embeddings,
  pipeline,
  tune,
  cv,
];
