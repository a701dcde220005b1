// Trial worker: receives TrialTask messages from the parent, answers with TrialOutcome messages.
import { runTrialTask, type TrialTask } from "./trial.ts";

const controller = new AbortController();
process.on("message", (message: { type: "task"; task: TrialTask } | { type: "stop" }) => {
  if (message.type === "stop") {
    controller.abort();
    process.disconnect?.();
    return;
  }
  void runTrialTask(message.task, controller.signal).then((outcome) =>
    process.send?.({ type: "outcome", outcome }),
  );
});
process.send?.({ type: "ready" });
