// What every route plugin needs, passed explicitly as plugin options (typed, no decorators to look up).
import type { ServeConfig } from "./config.ts";
import type { FeedbackStore } from "./feedbackStore.ts";
import type { ServeMetrics } from "./metrics.ts";
import type { ModelHolder } from "./modelHolder.ts";
import type { ModelSource } from "./modelSource.ts";

export interface ServeContext {
  config: ServeConfig;
  holder: ModelHolder;
  source: ModelSource;
  feedback: FeedbackStore;
  metrics: ServeMetrics;
}
