// The TypeScript DistilBERT on libtorch must reproduce the PyTorch model that wrote the fixture:
// same token ids from the checkpoint's tokenizer.json, eval-mode logits within 1e-4.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noGrad, tensor, tidy } from "../../packages/torch/src/index.ts";
import { DistilBertModel } from "../../src/models/distilbert/index.ts";
import { FIXTURE_DIR, reference } from "../hf/fixture.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";

let model: DistilBertModel;
beforeAll(async () => {
  if (!hasTorch) return;
  model = await DistilBertModel.load(FIXTURE_DIR);
});
afterAll(() => model?.dispose());

describe.skipIf(!hasTorch)(
  `DistilBERT on libtorch vs the fixture's reference.json${torchSkipReason ? ` (${torchSkipReason})` : ""}`,
  () => {
    it("loads every HF parameter by name", () => {
      expect(model.network.parameterCount).toBe(204_098);
      expect([...model.network.params.keys()]).toContain("distilbert.transformer.layer.1.ffn.lin2.weight");
    });

    it.each(reference.single.map((s, i) => [i, s] as const))("text %i: token ids and logits", (_, s) => {
      expect(model.encoder.encode(s.text)).toEqual(s.input_ids);
      const logits = model.logitsForIds([s.input_ids]);
      for (let c = 0; c < 2; c++) expect(Math.abs(logits[c] - s.logits[c])).toBeLessThan(1e-4);
    });

    it("the padded batch, with its recorded attention mask", () => {
      const { input_ids, attention_mask, logits } = reference.batch;
      const b = input_ids.length;
      const t = input_ids[0].length;
      const out = noGrad(() =>
        tidy(() => {
          const ids = tensor(BigInt64Array.from(input_ids.flat(), BigInt), [b, t], "int64");
          const mask = tensor(BigInt64Array.from(attention_mask.flat(), BigInt), [b, t], "int64");
          return model.network.forward(ids, mask, false).toFloat32Array();
        }),
      );
      for (const [i, l] of logits.flat().entries()) expect(Math.abs(out[i] - l)).toBeLessThan(1e-4);
    });

    it("predictProba agrees with the ONNX path's numbers (softmax of the reference logits)", async () => {
      const p = await model.predictProba(reference.single.map((s) => s.text));
      for (const [i, s] of reference.single.entries()) {
        const e = Math.exp(s.logits[1] - s.logits[0]);
        expect(Math.abs(p[i] - e / (1 + e))).toBeLessThan(1e-5);
      }
    });
  },
);
