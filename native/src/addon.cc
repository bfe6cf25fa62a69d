// N-API bindings. Every tensor argument is a byte offset into one ArrayBuffer (the memory of the
// TensorFlow.js wasm backend, or any buffer in tests); offsets and extents are bounds-checked.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels.h"
#include "optim.h"
#include "pool.h"
#include "ppo.h"

namespace {

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool failed = false;
  uint8_t* heap = nullptr;
  size_t heap_bytes = 0;

  Args(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr); }

  bool fail(const char* msg) {
    if (!failed) napi_throw_range_error(env, nullptr, msg);
    failed = true;
    return false;
  }
  bool need(size_t n) { return argc >= n || fail("native: too few arguments"); }
  bool buffer(size_t i) {
    void* data = nullptr;
    bool is_ab = false;
    if (napi_is_arraybuffer(env, argv[i], &is_ab) != napi_ok || !is_ab) return fail("native: expected an ArrayBuffer");
    napi_get_arraybuffer_info(env, argv[i], &data, &heap_bytes);
    heap = static_cast<uint8_t*>(data);
    return true;
  }
  double num(size_t i) {
    double v = 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok) fail("native: expected a number");
    return v;
  }
  int64_t i64(size_t i) {
    double v = num(i);
    if (!(v == std::floor(v)) || std::fabs(v) > 9.0e15) fail("native: expected an integer");
    return static_cast<int64_t>(v);
  }
  bool flag(size_t i) {
    bool v = false;
    if (napi_get_value_bool(env, argv[i], &v) != napi_ok) fail("native: expected a boolean");
    return v;
  }
  // A float32 region of `count` elements at byte offset `off`; null when off < 0 and optional.
  float* region(int64_t off, int64_t count, bool optional = false) {
    if (off < 0 && optional) return nullptr;
    if (off < 0 || off % 4 != 0 || count < 0 || (uint64_t)off + (uint64_t)count * 4 > heap_bytes) {
      fail("native: tensor region outside the buffer");
      return nullptr;
    }
    return reinterpret_cast<float*>(heap + off);
  }
  // A typed array argument of the given element type.
  void* typed(size_t i, napi_typedarray_type want, const char* what, size_t* length) {
    napi_typedarray_type type;
    void* data = nullptr;
    bool is_ta = false;
    if (i >= argc || napi_is_typedarray(env, argv[i], &is_ta) != napi_ok || !is_ta) {
      fail(what);
      return nullptr;
    }
    napi_get_typedarray_info(env, argv[i], &type, length, &data, nullptr, nullptr);
    if (type != want) {
      fail(what);
      return nullptr;
    }
    return data;
  }
  const double* f64(size_t i, size_t* length) { return static_cast<const double*>(typed(i, napi_float64_array, "native: expected a Float64Array", length)); }
  float* f32(size_t i, size_t* length) { return static_cast<float*>(typed(i, napi_float32_array, "native: expected a Float32Array", length)); }
  const int32_t* i32(size_t i, size_t* length) { return static_cast<const int32_t*>(typed(i, napi_int32_array, "native: expected an Int32Array", length)); }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value make_number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value make_string(napi_env env, const char* s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

// info() -> { isa, threads, isas }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, isas;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "isa", make_string(env, gh::isa_name()));
  napi_set_named_property(env, obj, "threads", make_number(env, gh::pool_threads()));
  napi_create_array(env, &isas);
  const char* current = gh::isa_name();
  uint32_t n = 0;
  for (const char* name : {"avx512", "avx2", "generic"}) {
    if (gh::set_isa(name)) napi_set_element(env, isas, n++, make_string(env, name));
  }
  gh::set_isa(current);
  napi_set_named_property(env, obj, "isas", isas);
  return obj;
}

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(1)) return nullptr;
  int64_t n = a.i64(0);
  if (a.failed) return nullptr;
  gh::pool_set_threads((int)n);
  return make_number(env, gh::pool_threads());
}

// setIsa(name) -> boolean
napi_value SetIsa(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(1)) return nullptr;
  char name[32] = {0};
  size_t len = 0;
  if (napi_get_value_string_utf8(env, a.argv[0], name, sizeof(name), &len) != napi_ok) {
    a.fail("native: expected a string");
    return nullptr;
  }
  napi_value r;
  napi_get_boolean(env, gh::set_isa(name), &r);
  return r;
}

// gemm(heap, aOff, bOff, cOff, batch, m, n, k, transA, transB, aBatched, bBatched, biasOff, act, alpha)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(15) || !a.buffer(0)) return nullptr;
  const int64_t aoff = a.i64(1), boff = a.i64(2), coff = a.i64(3), batch = a.i64(4), m = a.i64(5), n = a.i64(6), k = a.i64(7);
  const bool ta = a.flag(8), tb = a.flag(9), ab = a.flag(10), bb = a.flag(11);
  const int64_t biasoff = a.i64(12), act = a.i64(13);
  const float alpha = (float)a.num(14);
  if (a.failed) return nullptr;
  if (batch < 0 || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || act < 0 || act > 6) {
    a.fail("native: bad gemm dimensions");
    return nullptr;
  }
  const float* pa = a.region(aoff, (ab ? batch : 1) * m * k);
  const float* pb = a.region(boff, (bb ? batch : 1) * k * n);
  float* pc = a.region(coff, batch * m * n);
  const float* bias = a.region(biasoff, n, true);
  if (a.failed) return nullptr;
  if (batch == 0) return undefined(env);
  gh::View va = ta ? gh::View{pa, 1, m} : gh::View{pa, k, 1};
  gh::View vb = tb ? gh::View{pb, 1, k} : gh::View{pb, n, 1};
  gh::gemm_batched((int)batch, (int)m, (int)n, (int)k, va, ab ? m * k : 0, vb, bb ? k * n : 0, pc, bias, (int)act, alpha);
  return undefined(env);
}

// denseBackward(heap, xOff, wOff, yOff, dyOff, dxOff, dwOff, dbOff, m, k, n, act, alpha)
napi_value DenseBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(13) || !a.buffer(0)) return nullptr;
  const int64_t xo = a.i64(1), wo = a.i64(2), yo = a.i64(3), dyo = a.i64(4), dxo = a.i64(5), dwo = a.i64(6), dbo = a.i64(7);
  const int64_t m = a.i64(8), k = a.i64(9), n = a.i64(10), act = a.i64(11);
  const float alpha = (float)a.num(12);
  if (a.failed) return nullptr;
  if (m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || act < 0 || act > 6) {
    a.fail("native: bad dense dimensions");
    return nullptr;
  }
  const float* x = a.region(xo, m * k);
  const float* w = a.region(wo, k * n);
  const float* y = a.region(yo, m * n);
  const float* dy = a.region(dyo, m * n);
  float* dx = a.region(dxo, m * k, true);
  float* dw = a.region(dwo, k * n, true);
  float* db = a.region(dbo, n, true);
  if (a.failed) return nullptr;
  gh::dense_backward((int)m, (int)n, (int)k, x, w, y, dy, dx, dw, db, (int)act, alpha);
  return undefined(env);
}

// adam(heap, table: Float64Array [pOff, gOff, mOff, vOff, size]*, hyper: Float64Array [b1, 1-b1, b2, 1-b2, c2, eps, step, scale, useScale])
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(3) || !a.buffer(0)) return nullptr;
  size_t tl = 0, hl = 0;
  const double* table = a.f64(1, &tl);
  const double* hy = a.f64(2, &hl);
  if (a.failed) return nullptr;
  if (tl % 5 != 0 || hl < 9) {
    a.fail("native: bad adam table");
    return nullptr;
  }
  std::vector<gh::AdamTensor> ts;
  for (size_t i = 0; i < tl; i += 5) {
    const int64_t n = (int64_t)table[i + 4];
    gh::AdamTensor t{a.region((int64_t)table[i], n), a.region((int64_t)table[i + 1], n), a.region((int64_t)table[i + 2], n),
                     a.region((int64_t)table[i + 3], n), n};
    if (a.failed) return nullptr;
    ts.push_back(t);
  }
  gh::AdamHyper h{(float)hy[0], (float)hy[1], (float)hy[2], (float)hy[3], (float)hy[4], (float)hy[5], (float)hy[6], (float)hy[7], hy[8] != 0};
  gh::adam(ts, h);
  return undefined(env);
}

bool read_table(Args& a, size_t i, std::vector<float*>& data, std::vector<int64_t>& sizes) {
  size_t tl = 0;
  const double* table = a.f64(i, &tl);
  if (a.failed) return false;
  if (tl % 2 != 0) return a.fail("native: bad tensor table");
  for (size_t j = 0; j < tl; j += 2) {
    const int64_t n = (int64_t)table[j + 1];
    float* p = a.region((int64_t)table[j], n);
    if (a.failed) return false;
    data.push_back(p);
    sizes.push_back(n);
  }
  return true;
}

// sumSquares(heap, table: Float64Array [off, size]*) -> number (float64)
napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(2) || !a.buffer(0)) return nullptr;
  std::vector<float*> data;
  std::vector<int64_t> sizes;
  if (!read_table(a, 1, data, sizes)) return nullptr;
  std::vector<const float*> cdata(data.begin(), data.end());
  return make_number(env, gh::sum_squares(cdata, sizes));
}

// scale(heap, table: Float64Array [off, size]*, s): x ← x·s in float32
napi_value Scale(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(3) || !a.buffer(0)) return nullptr;
  std::vector<float*> data;
  std::vector<int64_t> sizes;
  if (!read_table(a, 1, data, sizes)) return nullptr;
  const float s = (float)a.num(2);
  if (a.failed) return nullptr;
  gh::scale(data, sizes, s);
  return undefined(env);
}

// Reads a network layout: Float64Array [obsDim, outputs, act, alpha, shared, nPolicy, nValue,
// (wOff, bOff, gwOff, gbOff, in, out) × (nPolicy + nValue)], gradient offsets −1 when not wanted.
// Checks that the layers chain: obs → policy layers → outputs; obs or the trunk → value layers → 1.
bool read_net(Args& a, size_t i, bool need_grads, gh::PpoNet& net, int& obs_dim, int& outputs) {
  size_t ll = 0;
  const double* layout = a.f64(i, &ll);
  if (a.failed) return false;
  if (ll < 7) return a.fail("native: bad network layout");
  obs_dim = (int)layout[0];
  outputs = (int)layout[1];
  const int np = (int)layout[5], nv = (int)layout[6];
  if (obs_dim <= 0 || outputs <= 0 || np < 1 || nv < 1 || ll != 7 + 6 * (size_t)(np + nv) || layout[2] < 0 || layout[2] > 6) {
    return a.fail("native: bad network layout");
  }
  net.act = (int)layout[2];
  net.alpha = (float)layout[3];
  net.shared = layout[4] != 0;
  for (int l = 0; l < np + nv; l++) {
    const double* e = layout + 7 + 6 * l;
    const int in = (int)e[4], out = (int)e[5];
    if (in <= 0 || out <= 0) return a.fail("native: bad layer size");
    gh::PpoLayer L{a.region((int64_t)e[0], (int64_t)in * out), a.region((int64_t)e[1], out), a.region((int64_t)e[2], (int64_t)in * out, !need_grads),
                   a.region((int64_t)e[3], out, !need_grads), in, out};
    if (a.failed) return false;
    (l < np ? net.policy : net.value).push_back(L);
  }
  int width = obs_dim;
  for (const auto& L : net.policy) {
    if (L.in != width) return a.fail("native: policy layers do not chain");
    width = L.out;
  }
  if (width != outputs) return a.fail("native: the last policy layer does not match the number of outputs");
  if (net.shared && nv != 1) return a.fail("native: a shared value head is one layer");
  width = net.shared ? (np > 1 ? net.policy[np - 2].out : obs_dim) : obs_dim;
  for (const auto& L : net.value) {
    if (L.in != width) return a.fail("native: value layers do not chain");
    width = L.out;
  }
  if (width != 1) return a.fail("native: the value output must have one unit");
  return true;
}

// ppoCategoricalGrads(heap, layout, obs, actions, oldLogits, oldLogp, advantages, targets, rows, coeffs, stats)
//   layout: see read_net (outputs = number of actions)
//   coeffs: Float64Array [clip, vfCoeff, vfClip (NaN: none), entropyCoeff, klCoeff]
//   stats (written): Float64Array [policyLoss, vfLoss, kl, entropy, total]
napi_value PpoCategoricalGrads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(11) || !a.buffer(0)) return nullptr;
  gh::PpoNet net;
  gh::PpoBatch batch{};
  if (!read_net(a, 1, true, net, batch.obs_dim, batch.n)) return nullptr;
  size_t cl = 0, sl = 0, rl = 0;
  const double* coeffs = a.f64(9, &cl);
  double* stats = const_cast<double*>(a.f64(10, &sl));
  const int32_t* rows = a.i32(8, &rl);
  if (a.failed) return nullptr;
  if (cl < 5 || sl < 5) return a.fail("native: bad ppo coefficients or stats"), nullptr;
  size_t no = 0, na = 0, nl = 0, nlp = 0, nadv = 0, nt = 0;
  batch.obs = a.f32(2, &no);
  batch.actions = a.f32(3, &na);
  batch.old_logits = a.f32(4, &nl);
  batch.old_logp = a.f32(5, &nlp);
  batch.advantages = a.f32(6, &nadv);
  batch.targets = a.f32(7, &nt);
  if (a.failed) return nullptr;
  const size_t size = na;
  if (no != size * batch.obs_dim || nl != size * batch.n || nlp != size || nadv != size || nt != size) {
    return a.fail("native: ppo batch arrays disagree in size"), nullptr;
  }
  if (rl == 0) return a.fail("native: empty ppo minibatch"), nullptr;
  for (size_t r = 0; r < rl; r++) {
    if (rows[r] < 0 || (size_t)rows[r] >= size) return a.fail("native: ppo minibatch row outside the batch"), nullptr;
  }
  gh::PpoCoefficients c{coeffs[0], coeffs[1], !std::isnan(coeffs[2]), std::isnan(coeffs[2]) ? 0.0 : coeffs[2], coeffs[3], coeffs[4]};
  const gh::PpoStats s = gh::ppo_categorical_grads(net, batch, rows, (int)rl, c);
  stats[0] = s.policy_loss;
  stats[1] = s.vf_loss;
  stats[2] = s.kl;
  stats[3] = s.entropy;
  stats[4] = s.total;
  return undefined(env);
}

// actorCriticForward(heap, layout, obs, outputs, values): the policy outputs [rows × n] and values [rows].
napi_value ActorCriticForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(5) || !a.buffer(0)) return nullptr;
  gh::PpoNet net;
  int obs_dim = 0, n = 0;
  if (!read_net(a, 1, false, net, obs_dim, n)) return nullptr;
  size_t no = 0, nout = 0, nv = 0;
  const float* obs = a.f32(2, &no);
  float* out = a.f32(3, &nout);
  float* values = a.f32(4, &nv);
  if (a.failed) return nullptr;
  const size_t rows = no / obs_dim;
  if (no != rows * obs_dim || nout != rows * n || nv != rows) return a.fail("native: forward arrays disagree in size"), nullptr;
  if (rows > 0) gh::actor_critic_forward(net, obs, (int)rows, out, values);
  return undefined(env);
}

// mlpGrads(heap, layout, features, rows, lossGrad): one MLP's gradients for the rows `rows` of
// `features` [size × in]. layout: Float64Array [act, alpha, n, (wOff, bOff, gwOff, gbOff, in, out) × n]
// (hidden layers use `act`, the last is linear). lossGrad(outputs: Float32Array [rows × out]) must
// return d loss / d outputs as a Float32Array of the same length.
napi_value MlpGrads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  if (!a.need(5) || !a.buffer(0)) return nullptr;
  size_t ll = 0, nf = 0, rl = 0;
  const double* layout = a.f64(1, &ll);
  const float* features = a.f32(2, &nf);
  const int32_t* rows = a.i32(3, &rl);
  if (a.failed) return nullptr;
  napi_valuetype fn_type;
  if (napi_typeof(env, a.argv[4], &fn_type) != napi_ok || fn_type != napi_function) return a.fail("native: mlpGrads needs a loss-gradient function"), nullptr;
  if (ll < 3 || layout[0] < 0 || layout[0] > 6) return a.fail("native: bad mlp layout"), nullptr;
  const int n = (int)layout[2];
  if (n < 1 || ll != 3 + 6 * (size_t)n) return a.fail("native: bad mlp layout"), nullptr;
  std::vector<gh::PpoLayer> layers;
  for (int l = 0; l < n; l++) {
    const double* e = layout + 3 + 6 * l;
    const int in = (int)e[4], out = (int)e[5];
    if (in <= 0 || out <= 0 || (l > 0 && in != layers.back().out)) return a.fail("native: mlp layers do not chain"), nullptr;
    layers.push_back(gh::PpoLayer{a.region((int64_t)e[0], (int64_t)in * out), a.region((int64_t)e[1], out), a.region((int64_t)e[2], (int64_t)in * out),
                                  a.region((int64_t)e[3], out), in, out});
    if (a.failed) return nullptr;
  }
  const int in = layers[0].in, out = layers.back().out;
  if (nf % in != 0) return a.fail("native: mlp features are not whole rows"), nullptr;
  const size_t size = nf / in;
  if (rl == 0) return a.fail("native: empty mlp minibatch"), nullptr;
  std::vector<float> x(rl * in);
  for (size_t r = 0; r < rl; r++) {
    if (rows[r] < 0 || (size_t)rows[r] >= size) return a.fail("native: mlp minibatch row outside the features"), nullptr;
    std::memcpy(x.data() + r * in, features + (size_t)rows[r] * in, sizeof(float) * in);
  }
  bool js_failed = false;
  std::vector<float> dy;
  gh::mlp_grads(layers, (int)layout[0], (float)layout[1], x.data(), (int)rl, [&](const float* outputs) -> const float* {
    const size_t count = rl * out;
    napi_value ab, arr, result, global;
    void* data = nullptr;
    if (napi_create_arraybuffer(env, count * 4, &data, &ab) != napi_ok || napi_create_typedarray(env, napi_float32_array, count, ab, 0, &arr) != napi_ok) {
      js_failed = true;
      return nullptr;
    }
    std::memcpy(data, outputs, count * 4);
    napi_get_global(env, &global);
    if (napi_call_function(env, global, a.argv[4], 1, &arr, &result) != napi_ok) {
      js_failed = true;  // the exception stays pending and reaches the caller
      return nullptr;
    }
    bool is_ta = false;
    napi_typedarray_type type;
    size_t len = 0;
    void* g = nullptr;
    if (napi_is_typedarray(env, result, &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, result, &type, &len, &g, nullptr, nullptr) != napi_ok || type != napi_float32_array || len != count) {
      a.fail("native: the loss gradient must be a Float32Array as long as the outputs");
      js_failed = true;
      return nullptr;
    }
    const float* gf = static_cast<const float*>(g);
    dy.assign(gf, gf + count);
    return dy.data();
  });
  if (js_failed) return nullptr;
  return undefined(env);
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseBackward", nullptr, DenseBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scale", nullptr, Scale, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ppoCategoricalGrads", nullptr, PpoCategoricalGrads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"actorCriticForward", nullptr, ActorCriticForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mlpGrads", nullptr, MlpGrads, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
