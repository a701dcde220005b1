// N-API binding to libtorch (ATen + autograd + optimizers). Deliberately thin: every function maps to
// one ATen call, and all model code lives in TypeScript (packages/torch/src/*.ts). Tensors cross the
// boundary as `TensorHandle` objects that own one at::Tensor; `dispose()` drops it immediately, the GC
// finalizer is only a safety net (V8 does not see libtorch's memory, so relying on GC would let RSS grow).
// The one exception, docvectors.cc, is a custom kernel (sparse row SGD) exported beside the ATen calls.
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/types.h>
#include <torch/cuda.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>
#include <torch/version.h>

#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <memory>
#include <optional>
#include <string>
#include <vector>

Napi::Value DocvecEpoch(const Napi::CallbackInfo& info);  // docvectors.cc

namespace {

// ---------------------------------------------------------------------------------------------
// Tensor handle

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::FunctionReference ctor;
  at::Tensor tensor;
  bool live = false;

  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function f = DefineClass(env, "TensorHandle",
                                   {InstanceMethod("dispose", &TensorHandle::Dispose),
                                    InstanceAccessor("disposed", &TensorHandle::Disposed, nullptr)});
    ctor = Napi::Persistent(f);
    ctor.SuppressDestruct();
    exports.Set("TensorHandle", f);
  }
  explicit TensorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorHandle>(info) {}

  static Napi::Object Wrap(Napi::Env env, at::Tensor t) {
    Napi::Object obj = ctor.New({});
    TensorHandle* h = Unwrap(obj);
    h->tensor = std::move(t);
    h->live = true;
    return obj;
  }

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    tensor = at::Tensor();
    live = false;
    return info.Env().Undefined();
  }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !live); }
};
Napi::FunctionReference TensorHandle::ctor;

// ---------------------------------------------------------------------------------------------
// Argument helpers

at::Tensor& T(const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(TensorHandle::ctor.Value())) {
    throw Napi::TypeError::New(v.Env(), "expected a tensor handle");
  }
  TensorHandle* h = TensorHandle::Unwrap(v.As<Napi::Object>());
  if (!h->live) throw Napi::Error::New(v.Env(), "tensor was disposed (used after dispose() or outside its scope)");
  return h->tensor;
}

c10::optional<at::Tensor> OptT(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
  return T(v);
}

std::vector<int64_t> Ints(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

std::vector<at::Tensor> Tensors(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(T(a.Get(i)));
  return out;
}

int64_t I(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
double D(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }
bool B(const Napi::Value& v) { return v.ToBoolean().Value(); }
std::string S(const Napi::Value& v) { return v.As<Napi::String>().Utf8Value(); }

at::ScalarType Dtype(Napi::Env env, const std::string& s) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  throw Napi::TypeError::New(env, "unknown dtype \"" + s + "\" (float32, float64, float16, bfloat16, int64, int32, uint8, bool)");
}

std::string DtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

at::Device Dev(Napi::Env env, const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return at::Device(at::kCPU);
  try {
    return at::Device(S(v));
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value W(Napi::Env env, at::Tensor t) { return TensorHandle::Wrap(env, std::move(t)); }

Napi::Value Pair(Napi::Env env, std::tuple<at::Tensor, at::Tensor> p) {
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, W(env, std::get<0>(p)));
  a.Set(1u, W(env, std::get<1>(p)));
  return a;
}

Napi::Value Triple(Napi::Env env, std::tuple<at::Tensor, at::Tensor, at::Tensor> p) {
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(0u, W(env, std::get<0>(p)));
  a.Set(1u, W(env, std::get<1>(p)));
  a.Set(2u, W(env, std::get<2>(p)));
  return a;
}

// Every exported function runs inside this guard, so libtorch errors (shape mismatch, bad dtype)
// surface as ordinary JS exceptions carrying libtorch's own message instead of aborting the process.
template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, F&& f) {
  try {
    return f(info.Env());
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what());
  }
}

// Variadic so that bodies may contain commas outside parentheses.
#define FN(name, ...)                                                                              \
  Napi::Value name(const Napi::CallbackInfo& info) {                                               \
    return Guard(info, [&](Napi::Env env) -> Napi::Value { __VA_ARGS__ });                         \
  }

// ---------------------------------------------------------------------------------------------
// Creation and data transfer

FN(FromArray, {
  // (typedArray, shape, dtype?) -> tensor; copies the data, so the JS array may be reused at once.
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  auto shape = Ints(info[1]);
  at::ScalarType src;
  switch (ta.TypedArrayType()) {
    case napi_float32_array: src = at::kFloat; break;
    case napi_float64_array: src = at::kDouble; break;
    case napi_int32_array: src = at::kInt; break;
    case napi_bigint64_array: src = at::kLong; break;
    case napi_uint8_array: src = at::kByte; break;
    default: throw Napi::TypeError::New(env, "fromArray: use Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array");
  }
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n != static_cast<int64_t>(ta.ElementLength())) {
    throw Napi::RangeError::New(env, "fromArray: shape has " + std::to_string(n) + " elements but the array has " +
                                         std::to_string(ta.ElementLength()));
  }
  void* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  at::Tensor t = at::from_blob(data, shape, at::TensorOptions().dtype(src)).clone();
  if (info.Length() > 2 && info[2].IsString()) t = t.to(Dtype(env, S(info[2])));
  return W(env, t);
})

FN(ToArray, {
  at::Tensor t = T(info[0]).detach().to(at::kCPU).contiguous();
  size_t n = t.numel();
  switch (t.scalar_type()) {
    case at::kFloat: case at::kHalf: case at::kBFloat16: {
      t = t.to(at::kFloat);
      auto out = Napi::Float32Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr<float>(), n * sizeof(float));
      return out;
    }
    case at::kDouble: {
      auto out = Napi::Float64Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr<double>(), n * sizeof(double));
      return out;
    }
    case at::kLong: {
      auto buf = Napi::ArrayBuffer::New(env, n * 8);
      std::memcpy(buf.Data(), t.data_ptr<int64_t>(), n * 8);
      return Napi::TypedArrayOf<int64_t>::New(env, n, buf, 0, napi_bigint64_array);
    }
    case at::kInt: {
      auto out = Napi::Int32Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr<int32_t>(), n * 4);
      return out;
    }
    case at::kBool: case at::kByte: {
      t = t.to(at::kByte);
      auto out = Napi::Uint8Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr<uint8_t>(), n);
      return out;
    }
    default: throw Napi::TypeError::New(env, "toArray: unsupported dtype " + DtypeName(t.scalar_type()));
  }
})

at::TensorOptions Opts(Napi::Env env, const Napi::Value& dtype, const Napi::Value& device) {
  auto o = at::TensorOptions().dtype(dtype.IsString() ? Dtype(env, S(dtype)) : at::kFloat);
  return o.device(Dev(env, device));
}

FN(Zeros, { return W(env, at::zeros(Ints(info[0]), Opts(env, info[1], info[2]))); })
FN(Ones, { return W(env, at::ones(Ints(info[0]), Opts(env, info[1], info[2]))); })
FN(Full, { return W(env, at::full(Ints(info[0]), D(info[1]), Opts(env, info[2], info[3]))); })
FN(Randn, { return W(env, at::randn(Ints(info[0]), Opts(env, info[1], info[2]))); })
FN(Rand, { return W(env, at::rand(Ints(info[0]), Opts(env, info[1], info[2]))); })
FN(Arange, { return W(env, at::arange(I(info[0]), Opts(env, info[1], info[2]))); })
FN(Randperm, { return W(env, at::randperm(I(info[0]), at::TensorOptions().dtype(at::kLong))); })

// ---------------------------------------------------------------------------------------------
// Introspection

FN(Shape, {
  auto s = T(info[0]).sizes();
  Napi::Array a = Napi::Array::New(env, s.size());
  for (size_t i = 0; i < s.size(); i++) a.Set(i, Napi::Number::New(env, static_cast<double>(s[i])));
  return a;
})
FN(DtypeOf, { return Napi::String::New(env, DtypeName(T(info[0]).scalar_type())); })
FN(DeviceOf, { return Napi::String::New(env, T(info[0]).device().str()); })
FN(Item, { return Napi::Number::New(env, T(info[0]).item<double>()); })
FN(Numel, { return Napi::Number::New(env, static_cast<double>(T(info[0]).numel())); })
FN(RequiresGrad, { return Napi::Boolean::New(env, T(info[0]).requires_grad()); })

// ---------------------------------------------------------------------------------------------
// Elementwise and linear algebra. Binary ops take a tensor or a number as second operand.

#define UNARY(name, expr) FN(name, { at::Tensor& a = T(info[0]); return W(env, expr); })
UNARY(Neg, at::neg(a))
UNARY(Exp, at::exp(a))
UNARY(Log, at::log(a))
UNARY(Sigmoid, at::sigmoid(a))
UNARY(Tanh, at::tanh(a))
UNARY(Relu, at::relu(a))
UNARY(Gelu, at::gelu(a))
UNARY(Sqrt, at::sqrt(a))
UNARY(Abs, at::abs(a))
UNARY(Contiguous, a.contiguous())
UNARY(Detach, a.detach())
UNARY(Clone, a.clone())
UNARY(LogicalNot, at::logical_not(a))
UNARY(Isfinite, at::isfinite(a))

#define BINARY(name, fn)                                                  \
  FN(name, {                                                              \
    at::Tensor& a = T(info[0]);                                           \
    if (info[1].IsNumber()) return W(env, fn(a, at::Scalar(D(info[1])))); \
    return W(env, fn(a, T(info[1])));                                     \
  })
BINARY(Add, at::add)
BINARY(Sub, at::sub)
BINARY(Mul, at::mul)
BINARY(Div, at::div)
BINARY(Pow, at::pow)
BINARY(Eq, at::eq)
BINARY(Ne, at::ne)
BINARY(Gt, at::gt)
BINARY(Lt, at::lt)
BINARY(Ge, at::ge)
BINARY(Le, at::le)
FN(Maximum, { return W(env, at::maximum(T(info[0]), T(info[1]))); })
FN(Minimum, { return W(env, at::minimum(T(info[0]), T(info[1]))); })
FN(LogicalAnd, { return W(env, at::logical_and(T(info[0]), T(info[1]))); })
FN(Matmul, { return W(env, at::matmul(T(info[0]), T(info[1]))); })
FN(Clamp, {
  c10::optional<at::Scalar> lo, hi;
  if (info[1].IsNumber()) lo = D(info[1]);
  if (info[2].IsNumber()) hi = D(info[2]);
  return W(env, at::clamp(T(info[0]), lo, hi));
})
FN(Where, { return W(env, at::where(T(info[0]), T(info[1]), T(info[2]))); })
FN(MaskedFill, { return W(env, at::masked_fill(T(info[0]), T(info[1]), at::Scalar(D(info[2])))); })
FN(To, { return W(env, T(info[0]).to(Dtype(env, S(info[1])))); })
FN(ToDevice, { return W(env, T(info[0]).to(Dev(env, info[1]))); })

// ---------------------------------------------------------------------------------------------
// Reductions: dims = undefined reduces over everything.

FN(Sum, {
  at::Tensor& a = T(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return W(env, at::sum(a));
  return W(env, at::sum(a, Ints(info[1]), B(info[2])));
})
FN(Mean, {
  at::Tensor& a = T(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return W(env, at::mean(a));
  return W(env, at::mean(a, Ints(info[1]), B(info[2])));
})
FN(Amax, { return W(env, at::amax(T(info[0]), Ints(info[1]), B(info[2]))); })
FN(Argmax, { return W(env, at::argmax(T(info[0]), I(info[1]), B(info[2]))); })
FN(Logsumexp, { return W(env, at::logsumexp(T(info[0]), Ints(info[1]), B(info[2]))); })
FN(All, { return W(env, at::all(T(info[0]))); })

// ---------------------------------------------------------------------------------------------
// Shapes and indexing

FN(Reshape, { return W(env, at::reshape(T(info[0]), Ints(info[1]))); })
FN(Permute, { return W(env, T(info[0]).permute(Ints(info[1]))); })
FN(Transpose, { return W(env, at::transpose(T(info[0]), I(info[1]), I(info[2]))); })
FN(Unsqueeze, { return W(env, at::unsqueeze(T(info[0]), I(info[1]))); })
FN(Squeeze, { return W(env, at::squeeze(T(info[0]), I(info[1]))); })
FN(Expand, { return W(env, T(info[0]).expand(Ints(info[1]))); })
FN(Narrow, { return W(env, at::narrow(T(info[0]), I(info[1]), I(info[2]), I(info[3]))); })
FN(Select, { return W(env, at::select(T(info[0]), I(info[1]), I(info[2]))); })
FN(Cat, { return W(env, at::cat(Tensors(info[0]), I(info[1]))); })
FN(Stack, { return W(env, at::stack(Tensors(info[0]), I(info[1]))); })
FN(IndexSelect, { return W(env, at::index_select(T(info[0]), I(info[1]), T(info[2]))); })
FN(Gather, { return W(env, at::gather(T(info[0]), I(info[1]), T(info[2]))); })

// ---------------------------------------------------------------------------------------------
// Neural-network functions

FN(Embedding, { return W(env, at::embedding(T(info[0]), T(info[1]), info[2].IsNumber() ? I(info[2]) : -1)); })
FN(Linear, { return W(env, at::linear(T(info[0]), T(info[1]), OptT(info[2]))); })
// conv1d(x [B, C_in, T], w [C_out, C_in, K], b?, padding): stride 1, no dilation (word CNNs).
FN(Conv1d, { return W(env, at::conv1d(T(info[0]), T(info[1]), OptT(info[2]), {1}, {I(info[3])})); })
FN(Dropout, { return W(env, at::dropout(T(info[0]), D(info[1]), B(info[2]))); })
FN(LayerNorm, {
  return W(env, at::layer_norm(T(info[0]), Ints(info[1]), OptT(info[2]), OptT(info[3]), D(info[4])));
})
FN(Softmax, { return W(env, at::softmax(T(info[0]), I(info[1]))); })
FN(LogSoftmax, { return W(env, at::log_softmax(T(info[0]), I(info[1]))); })

int64_t Reduction(Napi::Env env, const Napi::Value& v) {
  std::string r = v.IsString() ? S(v) : "mean";
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw Napi::TypeError::New(env, "reduction must be mean, sum or none");
}
FN(BceWithLogits, {
  return W(env, at::binary_cross_entropy_with_logits(T(info[0]), T(info[1]), OptT(info[2]), OptT(info[3]),
                                                      Reduction(env, info[4])));
})
FN(CrossEntropy, {
  // (logits [N, C], target [N] int64, ignoreIndex, reduction, labelSmoothing)
  int64_t ignore = info[2].IsNumber() ? I(info[2]) : -100;
  double smoothing = info[4].IsNumber() ? D(info[4]) : 0.0;
  return W(env, at::cross_entropy_loss(T(info[0]), T(info[1]), c10::nullopt, Reduction(env, info[3]), ignore,
                                       smoothing));
})

// lstm(input, h0, c0, params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst) -> [out, hn, cn]
FN(Lstm, {
  std::vector<at::Tensor> hx = {T(info[1]), T(info[2])};
  return Triple(env, at::lstm(T(info[0]), hx, Tensors(info[3]), B(info[4]), I(info[5]), D(info[6]), B(info[7]),
                              B(info[8]), B(info[9])));
})
// lstmPacked(data, batchSizes, h0, c0, params, hasBiases, numLayers, dropout, train, bidirectional) -> [out, hn, cn]
FN(LstmPacked, {
  std::vector<at::Tensor> hx = {T(info[2]), T(info[3])};
  return Triple(env, at::lstm(T(info[0]), T(info[1]), hx, Tensors(info[4]), B(info[5]), I(info[6]), D(info[7]),
                              B(info[8]), B(info[9])));
})
// packPadded(input, lengths int64 cpu, batchFirst) -> [data, batchSizes]; lengths sorted descending.
FN(PackPadded, { return Pair(env, at::_pack_padded_sequence(T(info[0]), T(info[1]), B(info[2]))); })
// padPacked(data, batchSizes, batchFirst, padValue, totalLength) -> [padded, lengths]
FN(PadPacked, {
  return Pair(env, at::_pad_packed_sequence(T(info[0]), T(info[1]), B(info[2]), at::Scalar(D(info[3])), I(info[4])));
})

// ---------------------------------------------------------------------------------------------
// Autograd

FN(SetRequiresGrad, {
  T(info[0]).requires_grad_(B(info[1]));
  return env.Undefined();
})
FN(Backward, {
  at::Tensor& t = T(info[0]);
  if (info.Length() > 1 && info[1].IsObject()) t.backward(T(info[1]));
  else t.backward();
  return env.Undefined();
})
FN(Grad, {
  const at::Tensor& g = T(info[0]).grad();
  if (!g.defined()) return env.Null();
  return W(env, g);
})
FN(ZeroGrad, {
  for (auto& p : Tensors(info[0])) {
    if (p.grad().defined()) p.mutable_grad() = at::Tensor();
  }
  return env.Undefined();
})
FN(SetGradEnabled, {
  c10::GradMode::set_enabled(B(info[0]));
  return env.Undefined();
})
FN(IsGradEnabled, { return Napi::Boolean::New(env, c10::GradMode::is_enabled()); })
FN(ClipGradNorm, {
  return Napi::Number::New(env, torch::nn::utils::clip_grad_norm_(Tensors(info[0]), D(info[1])));
})
// In-place, autograd-invisible updates used by initialisers and weight loading.
FN(CopyInto, {
  at::NoGradGuard guard;
  T(info[0]).copy_(T(info[1]));
  return env.Undefined();
})
FN(UniformInit, {
  at::NoGradGuard guard;
  T(info[0]).uniform_(D(info[1]), D(info[2]));
  return env.Undefined();
})
FN(NormalInit, {
  at::NoGradGuard guard;
  T(info[0]).normal_(D(info[1]), D(info[2]));
  return env.Undefined();
})
// In-place multiply, autograd-invisible: unscaling gradients (GradScaler) without a copy.
FN(MulInPlace, {
  at::NoGradGuard guard;
  at::Tensor& a = T(info[0]);
  if (info[1].IsNumber()) a.mul_(at::Scalar(D(info[1])));
  else a.mul_(T(info[1]));
  return env.Undefined();
})
FN(FillInit, {
  at::NoGradGuard guard;
  T(info[0]).fill_(D(info[1]));
  return env.Undefined();
})

// ---------------------------------------------------------------------------------------------
// Autocast (mixed precision). Thread-local state of the calling (JS main) thread, per device type:
// "cuda" is PyTorch's Autocast key, "cpu" AutocastCPU. packages/torch/src/amp.ts composes these into
// a scoped autocast() like torch.autocast's __enter__/__exit__.

bool CudaSide(Napi::Env env, const Napi::Value& v) {
  std::string d = S(v);
  if (d == "cuda") return true;
  if (d == "cpu") return false;
  throw Napi::TypeError::New(env, "autocast device must be \"cpu\" or \"cuda\", got \"" + d + "\"");
}
FN(AutocastIsEnabled, {
  return Napi::Boolean::New(env, CudaSide(env, info[0]) ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled());
})
FN(AutocastSetEnabled, {
  if (CudaSide(env, info[0])) at::autocast::set_enabled(B(info[1]));
  else at::autocast::set_cpu_enabled(B(info[1]));
  return env.Undefined();
})
FN(AutocastGetDtype, {
  return Napi::String::New(env, DtypeName(CudaSide(env, info[0]) ? at::autocast::get_autocast_gpu_dtype()
                                                                  : at::autocast::get_autocast_cpu_dtype()));
})
FN(AutocastSetDtype, {
  at::ScalarType t = Dtype(env, S(info[1]));
  if (CudaSide(env, info[0])) at::autocast::set_autocast_gpu_dtype(t);
  else at::autocast::set_autocast_cpu_dtype(t);
  return env.Undefined();
})
FN(AutocastIncrementNesting, { return Napi::Number::New(env, at::autocast::increment_nesting()); })
FN(AutocastDecrementNesting, { return Napi::Number::New(env, at::autocast::decrement_nesting()); })
// Drops the casts of leaf tensors (weights) cached inside an autocast region; call when the
// outermost region ends, or the next region would reuse casts of weights the optimizer has changed.
FN(AutocastClearCache, {
  at::autocast::clear_cache();
  return env.Undefined();
})

// ---------------------------------------------------------------------------------------------
// Runtime

FN(ManualSeed, {
  at::manual_seed(static_cast<uint64_t>(I(info[0])));
  return env.Undefined();
})
FN(SetNumThreads, {
  at::set_num_threads(static_cast<int>(I(info[0])));
  return env.Undefined();
})
// Flush denormal floats to zero (x86 FTZ/DAZ). Gradients that fade through long recurrences reach
// denormal range, where every multiply costs ~100x; see torch.set_flush_denormal.
FN(SetFlushDenormal, { return Napi::Boolean::New(env, at::globalContext().setFlushDenormal(B(info[0]))); })
FN(GetNumThreads, { return Napi::Number::New(env, at::get_num_threads()); })
FN(CudaAvailable, { return Napi::Boolean::New(env, torch::cuda::is_available()); })
FN(Version, { return Napi::String::New(env, TORCH_VERSION); })

// ---------------------------------------------------------------------------------------------
// Optimizers

class OptimizerHandle : public Napi::ObjectWrap<OptimizerHandle> {
 public:
  static Napi::FunctionReference ctor;
  std::unique_ptr<torch::optim::Optimizer> opt;

  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function f = DefineClass(env, "OptimizerHandle",
                                   {InstanceMethod("step", &OptimizerHandle::Step),
                                    InstanceMethod("zeroGrad", &OptimizerHandle::ZeroGrad),
                                    InstanceMethod("setLr", &OptimizerHandle::SetLr),
                                    InstanceMethod("save", &OptimizerHandle::Save),
                                    InstanceMethod("load", &OptimizerHandle::Load),
                                    InstanceMethod("dispose", &OptimizerHandle::Dispose)});
    ctor = Napi::Persistent(f);
    ctor.SuppressDestruct();
    exports.Set("OptimizerHandle", f);
  }

  // new OptimizerHandle(kind, params, {lr, beta1, beta2, eps, weightDecay, momentum})
  explicit OptimizerHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OptimizerHandle>(info) {
    Napi::Env env = info.Env();
    std::string kind = S(info[0]);
    auto params = Tensors(info[1]);
    Napi::Object o = info[2].As<Napi::Object>();
    auto num = [&](const char* k, double d) { return o.Has(k) && o.Get(k).IsNumber() ? D(o.Get(k)) : d; };
    double lr = num("lr", 1e-3);
    if (kind == "adam") {
      opt = std::make_unique<torch::optim::Adam>(
          params, torch::optim::AdamOptions(lr)
                      .betas({num("beta1", 0.9), num("beta2", 0.999)})
                      .eps(num("eps", 1e-8))
                      .weight_decay(num("weightDecay", 0)));
    } else if (kind == "adamw") {
      opt = std::make_unique<torch::optim::AdamW>(
          params, torch::optim::AdamWOptions(lr)
                      .betas({num("beta1", 0.9), num("beta2", 0.999)})
                      .eps(num("eps", 1e-8))
                      .weight_decay(num("weightDecay", 0.01)));
    } else if (kind == "sgd") {
      opt = std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(lr).momentum(num("momentum", 0)).weight_decay(num("weightDecay", 0)));
    } else {
      throw Napi::TypeError::New(env, "unknown optimizer \"" + kind + "\" (adam, adamw, sgd)");
    }
  }

 private:
  torch::optim::Optimizer& Get(Napi::Env env) {
    if (!opt) throw Napi::Error::New(env, "optimizer was disposed");
    return *opt;
  }
  Napi::Value Step(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env) -> Napi::Value {
      Get(env).step();
      return env.Undefined();
    });
  }
  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env) -> Napi::Value {
      Get(env).zero_grad();
      return env.Undefined();
    });
  }
  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env) -> Napi::Value {
      double lr = D(info[0]);
      for (auto& g : Get(env).param_groups()) g.options().set_lr(lr);
      return env.Undefined();
    });
  }
  // Optimizer state (moments, step counts) for resuming training, in libtorch's archive format.
  Napi::Value Save(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env) -> Napi::Value {
      torch::serialize::OutputArchive archive;
      Get(env).save(archive);
      archive.save_to(S(info[0]));
      return env.Undefined();
    });
  }
  Napi::Value Load(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env) -> Napi::Value {
      torch::serialize::InputArchive archive;
      archive.load_from(S(info[0]));
      Get(env).load(archive);
      return env.Undefined();
    });
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    opt.reset();
    return info.Env().Undefined();
  }
};
Napi::FunctionReference OptimizerHandle::ctor;

#define EXPORT(name, fn) exports.Set(name, Napi::Function::New(env, fn, name))

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__GLIBC__)
  // glibc's dynamic mmap threshold rises to the size of the largest freed block, after which the
  // mid-size tensors of a training loop (activations of 100 KB - 32 MB) come from the heap and are
  // kept after free: RSS then grows for hours. A fixed 128 KiB threshold (glibc's initial value)
  // returns them to the OS on free. Same effect as MALLOC_MMAP_THRESHOLD_=131072.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  TensorHandle::Init(env, exports);
  OptimizerHandle::Init(env, exports);
  EXPORT("docvecEpoch", DocvecEpoch);
  EXPORT("fromArray", FromArray);
  EXPORT("toArray", ToArray);
  EXPORT("zeros", Zeros);
  EXPORT("ones", Ones);
  EXPORT("full", Full);
  EXPORT("randn", Randn);
  EXPORT("rand", Rand);
  EXPORT("arange", Arange);
  EXPORT("randperm", Randperm);
  EXPORT("shape", Shape);
  EXPORT("dtype", DtypeOf);
  EXPORT("device", DeviceOf);
  EXPORT("item", Item);
  EXPORT("numel", Numel);
  EXPORT("requiresGrad", RequiresGrad);
  EXPORT("neg", Neg);
  EXPORT("exp", Exp);
  EXPORT("log", Log);
  EXPORT("sigmoid", Sigmoid);
  EXPORT("tanh", Tanh);
  EXPORT("relu", Relu);
  EXPORT("gelu", Gelu);
  EXPORT("sqrt", Sqrt);
  EXPORT("abs", Abs);
  EXPORT("contiguous", Contiguous);
  EXPORT("detach", Detach);
  EXPORT("clone", Clone);
  EXPORT("logicalNot", LogicalNot);
  EXPORT("isfinite", Isfinite);
  EXPORT("add", Add);
  EXPORT("sub", Sub);
  EXPORT("mul", Mul);
  EXPORT("div", Div);
  EXPORT("pow", Pow);
  EXPORT("eq", Eq);
  EXPORT("ne", Ne);
  EXPORT("gt", Gt);
  EXPORT("lt", Lt);
  EXPORT("ge", Ge);
  EXPORT("le", Le);
  EXPORT("maximum", Maximum);
  EXPORT("minimum", Minimum);
  EXPORT("logicalAnd", LogicalAnd);
  EXPORT("matmul", Matmul);
  EXPORT("clamp", Clamp);
  EXPORT("where", Where);
  EXPORT("maskedFill", MaskedFill);
  EXPORT("to", To);
  EXPORT("toDevice", ToDevice);
  EXPORT("sum", Sum);
  EXPORT("mean", Mean);
  EXPORT("amax", Amax);
  EXPORT("argmax", Argmax);
  EXPORT("logsumexp", Logsumexp);
  EXPORT("all", All);
  EXPORT("reshape", Reshape);
  EXPORT("permute", Permute);
  EXPORT("transpose", Transpose);
  EXPORT("unsqueeze", Unsqueeze);
  EXPORT("squeeze", Squeeze);
  EXPORT("expand", Expand);
  EXPORT("narrow", Narrow);
  EXPORT("select", Select);
  EXPORT("cat", Cat);
  EXPORT("stack", Stack);
  EXPORT("indexSelect", IndexSelect);
  EXPORT("gather", Gather);
  EXPORT("embedding", Embedding);
  EXPORT("linear", Linear);
  EXPORT("conv1d", Conv1d);
  EXPORT("dropout", Dropout);
  EXPORT("layerNorm", LayerNorm);
  EXPORT("softmax", Softmax);
  EXPORT("logSoftmax", LogSoftmax);
  EXPORT("bceWithLogits", BceWithLogits);
  EXPORT("crossEntropy", CrossEntropy);
  EXPORT("lstm", Lstm);
  EXPORT("lstmPacked", LstmPacked);
  EXPORT("packPadded", PackPadded);
  EXPORT("padPacked", PadPacked);
  EXPORT("setRequiresGrad", SetRequiresGrad);
  EXPORT("backward", Backward);
  EXPORT("grad", Grad);
  EXPORT("zeroGrad", ZeroGrad);
  EXPORT("setGradEnabled", SetGradEnabled);
  EXPORT("isGradEnabled", IsGradEnabled);
  EXPORT("clipGradNorm", ClipGradNorm);
  EXPORT("copyInto", CopyInto);
  EXPORT("uniformInit", UniformInit);
  EXPORT("normalInit", NormalInit);
  EXPORT("fillInit", FillInit);
  EXPORT("mulInPlace", MulInPlace);
  EXPORT("autocastIsEnabled", AutocastIsEnabled);
  EXPORT("autocastSetEnabled", AutocastSetEnabled);
  EXPORT("autocastGetDtype", AutocastGetDtype);
  EXPORT("autocastSetDtype", AutocastSetDtype);
  EXPORT("autocastIncrementNesting", AutocastIncrementNesting);
  EXPORT("autocastDecrementNesting", AutocastDecrementNesting);
  EXPORT("autocastClearCache", AutocastClearCache);
  EXPORT("manualSeed", ManualSeed);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("setFlushDenormal", SetFlushDenormal);
  EXPORT("cudaAvailable", CudaAvailable);
  EXPORT("version", Version);
  return exports;
}

}  // namespace

NODE_API_MODULE(torch_addon, Init)
