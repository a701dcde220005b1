// Runs trial tasks on several cores: one forked Node process per worker (training is CPU-bound and
// single-threaded, so processes use the cores without sharing a heap). Workers are started once and
// reused for every batch (starting one costs seconds: it loads the TypeScript sources). With one
// worker the tasks run in this process. Results are keyed by task id, so completion order never matters.
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runTrialTask, type TrialOutcome, type TrialTask } from "./trial.ts";

const ENTRY = join(import.meta.dirname, "worker-entry.mjs");

export function defaultParallelism(tasks: number): number {
  return Math.max(1, Math.min(availableParallelism(), tasks));
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  /** Settles the task in flight, if any. */
  settle?: (o: TrialOutcome) => void;
  current?: TrialTask;
}

type WorkerMessage = { type: "ready" } | { type: "outcome"; outcome: TrialOutcome };

export class TrialPool {
  readonly #workers: Worker[] = [];

  constructor(readonly parallel: number) {}

  #spawn(): Worker {
    const child = fork(ENTRY, [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    let markReady: () => void = () => {};
    const worker: Worker = { child, ready: new Promise((r) => (markReady = r)) };
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") markReady();
      else {
        const settle = worker.settle;
        worker.settle = undefined;
        worker.current = undefined;
        settle?.(m.outcome);
      }
    });
    child.on("exit", (code, signal) => {
      markReady();
      // A worker that dies (out of memory, killed) fails its task instead of hanging the search.
      const task = worker.current;
      const settle = worker.settle;
      worker.settle = undefined;
      worker.current = undefined;
      if (task && settle)
        settle({
          id: task.id,
          folds: [],
          seconds: 0,
          error: `worker process exited (${signal ?? `code ${code}`})`,
        });
      const i = this.#workers.indexOf(worker);
      if (i >= 0) this.#workers.splice(i, 1);
    });
    this.#workers.push(worker);
    return worker;
  }

  async #runOn(worker: Worker, task: TrialTask): Promise<TrialOutcome> {
    await worker.ready;
    if (worker.child.exitCode !== null || !worker.child.connected) {
      return { id: task.id, folds: [], seconds: 0, error: "worker process is not running" };
    }
    return new Promise((resolve) => {
      worker.current = task;
      worker.settle = resolve;
      worker.child.send({ type: "task", task });
    });
  }

  /** Run `tasks`, at most `parallel` at a time; `onOutcome` sees each result as it arrives. */
  async run(
    tasks: TrialTask[],
    onOutcome?: (o: TrialOutcome) => void,
    signal?: AbortSignal,
  ): Promise<TrialOutcome[]> {
    const outcomes: TrialOutcome[] = [];
    if (this.parallel <= 1) {
      for (const t of tasks) {
        if (signal?.aborted) break;
        const o = await runTrialTask(t, signal);
        outcomes.push(o);
        onOutcome?.(o);
      }
      return outcomes;
    }
    const queue = [...tasks];
    const lanes = Math.min(this.parallel, tasks.length);
    while (this.#workers.length < lanes) this.#spawn();
    const onAbort = () => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.all(
        this.#workers.slice(0, lanes).map(async (worker) => {
          for (let task = queue.shift(); task && !signal?.aborted; task = queue.shift()) {
            const o = await this.#runOn(worker, task);
            outcomes.push(o);
            onOutcome?.(o);
          }
        }),
      );
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return outcomes;
  }

  /** Stop every worker (a trial in flight is abandoned; its run is marked FAILED by the store). */
  close(): void {
    for (const w of [...this.#workers]) {
      if (w.child.connected) w.child.send({ type: "stop" });
      if (w.child.exitCode === null) w.child.kill();
    }
    this.#workers.length = 0;
  }
}

/** One-shot helper: a pool for these tasks, closed afterwards. */
export async function runTasks(
  tasks: TrialTask[],
  parallel: number,
  onOutcome?: (o: TrialOutcome) => void,
  signal?: AbortSignal,
): Promise<TrialOutcome[]> {
  const pool = new TrialPool(Math.min(parallel, tasks.length));
  try {
    return await pool.run(tasks, onOutcome, signal);
  } finally {
    pool.close();
  }
}
