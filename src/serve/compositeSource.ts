// Several model sources seen as one: e.g. the models folder plus the model registry, so
// GET /v1/models lists both and /v1/models/{id}/activate takes a file id ("default") or a registry id
// ("imdb-sentiment@production"). The first source that knows an id wins.
import type { SentimentModel } from "../models/model.ts";
import type { ModelEntry, ModelSource } from "./modelSource.ts";

export class CompositeModelSource implements ModelSource {
  readonly kind: string;
  readonly location: string;
  // Which source produced an entry, so `load` goes back to it.
  readonly #owner = new WeakMap<ModelEntry, ModelSource>();

  constructor(readonly sources: readonly ModelSource[]) {
    if (sources.length === 0) throw new Error("CompositeModelSource needs at least one source");
    this.kind = sources.map((s) => s.kind).join("+");
    this.location = sources.map((s) => s.location).join(" + ");
  }

  async list(): Promise<ModelEntry[]> {
    const lists = await Promise.all(this.sources.map(async (s) => ({ s, entries: await s.list() })));
    const seen = new Set<string>();
    const out: ModelEntry[] = [];
    for (const { s, entries } of lists) {
      for (const e of entries) {
        if (seen.has(e.id)) continue; // an id means the first source's model, as in get()
        seen.add(e.id);
        this.#owner.set(e, s);
        out.push(e);
      }
    }
    return out;
  }

  async get(id: string): Promise<ModelEntry | undefined> {
    for (const s of this.sources) {
      const e = await s.get(id);
      if (e) {
        this.#owner.set(e, s);
        return e;
      }
    }
    return undefined;
  }

  load(entry: ModelEntry): Promise<SentimentModel> {
    return (this.#owner.get(entry) ?? this.sources[0]).load(entry);
  }

  watch(onChange: (id: string) => void): () => void {
    const stops = this.sources.map((s) => s.watch?.(onChange));
    return () => {
      for (const stop of stops) stop?.();
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close?.()));
  }
}
