// The model families this build knows. Each import is lazy so optional engines load on demand.
import { registerFamily } from "./registry.ts";

registerFamily("nblr", async () => (await import("./nblr/family.ts")).nblrFamily);
registerFamily("hf", async () => (await import("./hf/family.ts")).hfFamily);
registerFamily("bilstm", async () => (await import("./bilstm/family.ts")).family);
registerFamily("distilbert", async () => (await import("./distilbert/family.ts")).distilbertFamily);
registerFamily("fasttext", async () => (await import("./fasttext/family.ts")).fastTextFamily);
registerFamily("ensemble", async () => (await import("./ensemble/family.ts")).ensembleFamily);
registerFamily("lstm", async () => (await import("./lstm/family.ts")).family);
registerFamily("transformer", async () => (await import("./transformer/family.ts")).family);
registerFamily("cnn", async () => (await import("./cnn/family.ts")).family);
registerFamily("regioncnn", async () => (await import("./regioncnn/family.ts")).family);
registerFamily("docvec", async () => (await import("./docvec/family.ts")).docVecFamily);
