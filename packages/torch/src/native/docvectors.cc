// The one kernel in this package that is not a libtorch call: SGD for document vectors trained with
// cosine similarity (Thongtan & Phienthrakul 2019; the algorithm is documented in
// src/embeddings/docvectors.ts). Each step touches a handful of random rows of a large matrix, which
// no tensor op batches well (a dense gradient per step would be the whole matrix), and V8 runs the
// 100-500-wide row loops at ~2.5 ns per element; here they vectorise (AVX2 where the CPU has it) and
// run on several threads lock-free over shared rows (Hogwild, as word2vec.c does).
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Job {
  const int32_t* ids;
  const uint32_t* offsets;
  size_t documents;
  float* docs;
  float* ngrams;
  size_t ngramCount;
  const int32_t* table;
  size_t tableSize;
  std::vector<uint32_t> order;
  int dim;
  int negative;
  float scale;
  float lrStart;
  float lrEnd;
  bool updateNgrams;
  int threads;
  uint64_t seed;
  uint64_t totalPositions = 0;
  std::atomic<uint64_t> done{0};
};

// splitmix64: a small, fast, seedable generator per thread.
struct Random {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>((next() >> 11) % n); }
};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DOCVEC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DOCVEC_CLONES
#endif

// Documents order[from, to): every position of a document, in a random order, is one step against its
// n-gram (label 1) and `negative` n-grams drawn from the unigram^0.75 table (label 0).
DOCVEC_CLONES void trainRange(Job& job, size_t from, size_t to) {
  const uint64_t seed = job.seed * 0x9e3779b97f4a7c15ULL;
  const int D = job.dim;
  Random rng{0};
  std::vector<float> h(D), grad(D);
  std::vector<uint32_t> positions;
  uint64_t localDone = 0;
  for (size_t n = from; n < to; n++) {
    const uint32_t doc = job.order[n];
    const uint32_t start = job.offsets[doc];
    const uint32_t len = job.offsets[doc + 1] - start;
    if (len == 0) continue;
    // Each document's random stream comes from its content and the call's seed, not from its place in
    // the order or its thread: an inferred vector is the same whichever batch the text arrives in.
    uint64_t contentHash = 0xcbf29ce484222325ULL;
    for (uint32_t i = 0; i < len; i++) contentHash = (contentHash ^ static_cast<uint32_t>(job.ids[start + i])) * 0x100000001b3ULL;
    rng.s = seed ^ contentHash;
    positions.resize(len);
    for (uint32_t i = 0; i < len; i++) positions[i] = i;
    for (uint32_t i = len - 1; i > 0; i--) std::swap(positions[i], positions[rng.below(i + 1)]);
    // Rates decay linearly with the work done by all threads, like word2vec.c's.
    const double progress =
        static_cast<double>(job.done.load(std::memory_order_relaxed)) / std::max<uint64_t>(1, job.totalPositions);
    const float lr = job.lrStart + static_cast<float>(progress) * (job.lrEnd - job.lrStart);
    float* dv = job.docs + static_cast<size_t>(doc) * D;
    float hh = 0;
    for (int k = 0; k < D; k++) {
      h[k] = dv[k];
      hh += h[k] * h[k];
    }
    for (uint32_t p = 0; p < len; p++) {
      const int32_t target = job.ids[start + positions[p]];
      const float normH = std::sqrt(hh) + 1e-12f;
      std::fill(grad.begin(), grad.end(), 0.0f);
      for (int q = 0; q <= job.negative; q++) {
        const int32_t word = q == 0 ? target : job.table[rng.below(job.tableSize)];
        if (q > 0 && word == target) continue;
        float* v = job.ngrams + static_cast<size_t>(word) * D;
        float dot = 0, vv = 0;
#pragma omp simd reduction(+ : dot, vv)
        for (int k = 0; k < D; k++) {
          dot += h[k] * v[k];
          vv += v[k] * v[k];
        }
        const float normV = std::sqrt(vv) + 1e-12f;
        const float inv = 1.0f / (normH * normV);
        const float cos = dot * inv;
        const float y = 1.0f / (1.0f + std::exp(-job.scale * cos));
        const float g = lr * job.scale * ((q == 0 ? 1.0f : 0.0f) - y);
        // d cos / d h = v / (|h||v|) - h cos / |h|^2; d cos / d v = h / (|h||v|) - v cos / |v|^2.
        const float gh = g * inv, ghc = g * cos / (normH * normH);
        if (job.updateNgrams) {
          const float gvc = g * cos / (normV * normV);
#pragma omp simd
          for (int k = 0; k < D; k++) {
            const float vk = v[k];
            grad[k] += gh * vk - ghc * h[k];
            v[k] = vk + gh * h[k] - gvc * vk;
          }
        } else {
#pragma omp simd
          for (int k = 0; k < D; k++) grad[k] += gh * v[k] - ghc * h[k];
        }
      }
      hh = 0;
#pragma omp simd reduction(+ : hh)
      for (int k = 0; k < D; k++) {
        h[k] += grad[k];
        hh += h[k] * h[k];
      }
    }
    for (int k = 0; k < D; k++) dv[k] = h[k];
    localDone += len;
    if (localDone >= 4096) {
      job.done.fetch_add(localDone, std::memory_order_relaxed);
      localDone = 0;
    }
  }
  job.done.fetch_add(localDone, std::memory_order_relaxed);
}

void runJob(Job& job) {
  for (uint32_t doc : job.order) job.totalPositions += job.offsets[doc + 1] - job.offsets[doc];
  const size_t threads = std::max<size_t>(1, std::min<size_t>(job.threads, job.order.size()));
  const size_t share = (job.order.size() + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; t++) {
    const size_t from = std::min(job.order.size(), t * share);
    const size_t to = std::min(job.order.size(), from + share);
    pool.emplace_back([&job, from, to] { trainRange(job, from, to); });
  }
  trainRange(job, 0, std::min(job.order.size(), share));
  for (auto& th : pool) th.join();
}

class EpochWorker : public Napi::AsyncWorker {
 public:
  EpochWorker(Napi::Env env, Job* job, std::vector<Napi::ObjectReference> keep)
      : Napi::AsyncWorker(env), job_(job), keep_(std::move(keep)), deferred_(Napi::Promise::Deferred::New(env)) {}
  ~EpochWorker() override { delete job_; }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { runJob(*job_); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Job* job_;
  std::vector<Napi::ObjectReference> keep_;
  Napi::Promise::Deferred deferred_;
};

template <typename T>
Napi::TypedArrayOf<T> typedArg(const Napi::Object& o, const char* name, std::vector<Napi::ObjectReference>& keep) {
  Napi::Value v = o.Get(name);
  if (!v.IsTypedArray()) throw Napi::TypeError::New(o.Env(), std::string("docvecEpoch: ") + name + " must be a typed array");
  auto a = v.As<Napi::TypedArrayOf<T>>();
  keep.push_back(Napi::Persistent(a.template As<Napi::Object>()));
  return a;
}

double numberArg(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("docvecEpoch: ") + name + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

}  // namespace

// docvecEpoch({ids, offsets, docs, ngrams, table, order, dim, negative, scale, lrStart, lrEnd,
//              updateNgrams, threads, seed}) -> Promise<void>. Runs off the JS thread; the arrays are
// pinned until it settles and must not be touched meanwhile.
Napi::Value DocvecEpoch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "docvecEpoch: expected an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  std::vector<Napi::ObjectReference> keep;
  auto ids = typedArg<int32_t>(o, "ids", keep);
  auto offsets = typedArg<uint32_t>(o, "offsets", keep);
  auto docs = typedArg<float>(o, "docs", keep);
  auto ngrams = typedArg<float>(o, "ngrams", keep);
  auto table = typedArg<int32_t>(o, "table", keep);
  auto order = typedArg<uint32_t>(o, "order", keep);
  auto job = new Job();
  job->dim = static_cast<int>(numberArg(o, "dim"));
  job->negative = static_cast<int>(numberArg(o, "negative"));
  job->scale = static_cast<float>(numberArg(o, "scale"));
  job->lrStart = static_cast<float>(numberArg(o, "lrStart"));
  job->lrEnd = static_cast<float>(numberArg(o, "lrEnd"));
  job->threads = static_cast<int>(numberArg(o, "threads"));
  job->seed = static_cast<uint64_t>(numberArg(o, "seed"));
  job->updateNgrams = o.Get("updateNgrams").ToBoolean().Value();
  job->ids = ids.Data();
  job->offsets = offsets.Data();
  job->documents = offsets.ElementLength() - 1;
  job->docs = docs.Data();
  job->ngrams = ngrams.Data();
  job->ngramCount = ngrams.ElementLength() / std::max(1, job->dim);
  job->table = table.Data();
  job->tableSize = table.ElementLength();
  job->order.assign(order.Data(), order.Data() + order.ElementLength());
  // Validate every index the kernel will follow, so bad input is an error here, not a wild write.
  auto fail = [&](const std::string& m) {
    delete job;
    throw Napi::RangeError::New(env, "docvecEpoch: " + m);
  };
  if (job->dim <= 0 || job->negative < 0 || job->threads <= 0 || job->tableSize == 0) fail("dim, threads and the table must be positive");
  if (offsets.ElementLength() < 1 || docs.ElementLength() != job->documents * job->dim) fail("docs must hold dim floats per document");
  if (ngrams.ElementLength() != job->ngramCount * job->dim) fail("ngrams must hold dim floats per n-gram");
  if (job->offsets[job->documents] > ids.ElementLength()) fail("offsets run past ids");
  for (size_t d = 0; d < job->documents; d++)
    if (job->offsets[d] > job->offsets[d + 1]) fail("offsets must not decrease");
  for (size_t i = 0; i < ids.ElementLength(); i++)
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= job->ngramCount) fail("n-gram id out of range");
  for (size_t i = 0; i < job->tableSize; i++)
    if (job->table[i] < 0 || static_cast<size_t>(job->table[i]) >= job->ngramCount) fail("table id out of range");
  for (uint32_t d : job->order)
    if (d >= job->documents) fail("document index out of range in order");
  auto worker = new EpochWorker(env, job, std::move(keep));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
