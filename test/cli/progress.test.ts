// Progress output when stderr is not a terminal (CI logs, files): one line per finished phase.
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/cli/progress.ts";

function captureStream(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let out = "";
  const stream = {
    isTTY: false,
    write: (s: string) => {
      out += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => out.trimEnd().split("\n") };
}

describe("createProgress without a TTY", () => {
  it("prints each phase once, when it ends, with its last metrics", () => {
    const { stream, lines } = captureStream();
    const progress = createProgress({}, stream);
    progress.update({ phase: "epoch 1/2", done: 1, total: 2, metrics: { loss: 0.7, acc: 0.5 } });
    progress.update({ phase: "epoch 1/2", done: 2, total: 2, metrics: { loss: 0.5, acc: 0.75 } });
    progress.update({ phase: "validate 1", done: 1, total: 1, metrics: { val_acc: 0.8 } });
    progress.update({ phase: "save", done: 1, total: 1 });
    progress.stop();
    expect(lines()).toHaveLength(3);
    expect(lines()[0]).toMatch(/^\[epoch 1\/2\] \d+\.\d s loss=0\.5000 acc=0\.7500$/);
    expect(lines()[1]).toMatch(/^\[validate 1\] \d+\.\d s val_acc=0\.8000$/);
    expect(lines()[2]).toMatch(/^\[save\] \d+\.\d s$/);
  });

  it("prints nothing in quiet or JSON mode", () => {
    const { stream, lines } = captureStream();
    for (const mode of [{ quiet: true }, { json: true }]) {
      const progress = createProgress(mode, stream);
      progress.update({ phase: "x", done: 1, total: 1 });
      progress.stop();
    }
    expect(lines()).toEqual([""]);
  });
});
