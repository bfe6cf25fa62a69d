// PPO's minibatch loss and gradients for an MLP actor-critic with a categorical policy, in one call.
//
// The TensorFlow.js path (src/algos/ppo/loss.ts with the dense and categorical kernels of
// src/nn) costs about a hundred kernel launches per minibatch, each with the engine's
// bookkeeping; for the tomato networks that overhead is most of the learner's time. This kernel
// runs the same computation without it, and reproduces that path bit for bit:
//  - the layers use the same GEMM and dense backward as the dense kernel (native/src/gemm.cc);
//  - the categorical terms repeat src/nn/fused.ts in float64 with V8's exp and log (jsmath.h),
//    rounded to float32 where that kernel stores its outputs;
//  - every other operation is the float32 operation TensorFlow.js performs, in its order: means
//    are sequential float32 sums divided by the row count, and each gradient is the one
//    TensorFlow.js's gradient functions produce (for example d mean = dy / rows, d square =
//    dy · (x · 2), d exp = dy · exp(x)), accumulated in the order its backward pass visits them.
// float32 exp is the C library's expf, which is what the wasm backend's Exp kernel runs.
#include "ppo.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "jsmath.h"
#include "kernels.h"
#include "pool.h"

namespace gh {
namespace {

// Per-thread scratch that only grows.
struct Buffers {
  std::vector<float> x;
  std::vector<std::vector<float>> policy_out, value_out;
  std::vector<float> dlogits, dvalues, dh_a, dh_b, dh_value, dv_a, dv_b;
  std::vector<double> lp, p, lp_old, p_old;
};

float* sized(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// log-softmax of one row of float32 logits into lp and the probabilities into p, as fused.ts does.
void log_softmax_row(const float* z, int n, double* lp, double* p) {
  double max = -__builtin_inf();
  for (int j = 0; j < n; j++) max = jsmath::max(max, (double)z[j]);
  double s = 0;
  for (int j = 0; j < n; j++) {
    p[j] = jsmath::exp((double)z[j] - max);
    s += p[j];
  }
  const double log_s = jsmath::log(s);
  for (int j = 0; j < n; j++) {
    lp[j] = (double)z[j] - max - log_s;
    p[j] = p[j] / s;
  }
}

// The action index as TensorFlow.js's oneHot(cast(a, int32)) sees it; −1 when outside [0, n).
int action_index(float a, int n) {
  const double k = std::trunc((double)a);
  return k >= 0 && k < n ? (int)k : -1;
}

// Forward through `layers` from x [rows × in]; outs[l] holds layer l's output. The last layer is linear.
void forward(const std::vector<PpoLayer>& layers, const float* x, int rows, int act, float alpha, std::vector<std::vector<float>>& outs) {
  const float* in = x;
  for (size_t l = 0; l < layers.size(); l++) {
    const PpoLayer& L = layers[l];
    float* y = sized(outs[l], (size_t)rows * L.out);
    const bool last = l + 1 == layers.size();
    gemm(rows, L.out, L.in, View{in, L.in, 1}, View{L.w, L.out, 1}, y, L.out, L.b, last ? kLinear : act, last ? 0.0f : alpha);
    in = y;
  }
}

// Backward through layers [0, end) given d(output of layer end−1) in `dy`; writes every layer's
// gradients. dx of layer 0 (the observation) is not needed and not computed.
void backward(const std::vector<PpoLayer>& layers, size_t end, const float* x, const std::vector<std::vector<float>>& outs, const float* dy, int rows,
              int act, float alpha, std::vector<float>& buf_a, std::vector<float>& buf_b) {
  const float* d = dy;
  for (size_t l = end; l-- > 0;) {
    const PpoLayer& L = layers[l];
    const float* in = l == 0 ? x : outs[l - 1].data();
    const bool last = l + 1 == layers.size();
    std::vector<float>& target = (end - l) % 2 == 1 ? buf_a : buf_b;
    float* dx = l == 0 ? nullptr : sized(target, (size_t)rows * L.in);
    dense_backward(rows, L.out, L.in, in, L.w, outs[l].data(), d, dx, L.gw, L.gb, last ? kLinear : act, last ? 0.0f : alpha);
    d = dx;
  }
}

// Multiply-add flops of one row through `layers`.
double row_flops(const std::vector<PpoLayer>& layers) {
  double f = 0;
  for (const auto& L : layers) f += 2.0 * L.in * L.out;
  return f;
}

// Both networks forward from x [rows × obs_dim] into B's layer outputs. A separate value network
// is independent of the policy until the loss and again after it, so with two threads each
// network runs whole on its own thread (two hand-offs per minibatch instead of two per product).
// The products are the same either way, and so are the results. Returns whether it split.
bool run_forward(const PpoNet& net, const float* x, int rows, Buffers& B) {
  if (B.policy_out.size() < net.policy.size()) B.policy_out.resize(net.policy.size());
  if (B.value_out.size() < net.value.size()) B.value_out.resize(net.value.size());
  static const bool allow_split = [] {
    const char* env = std::getenv("GOODHART_NATIVE_NET_SPLIT");
    return !(env && env[0] == '0');
  }();
  const bool split = allow_split && !net.shared && pool_threads() > 1 && rows * std::min(row_flops(net.policy), row_flops(net.value)) >= parallel_min_flops();
  if (split) {
    pool_for(2, [&](int part) {
      if (part == 0) forward(net.policy, x, rows, net.act, net.alpha, B.policy_out);
      else forward(net.value, x, rows, net.act, net.alpha, B.value_out);
    });
    return true;
  }
  forward(net.policy, x, rows, net.act, net.alpha, B.policy_out);
  const float* trunk = net.policy.size() > 1 ? B.policy_out[net.policy.size() - 2].data() : x;
  forward(net.value, net.shared ? trunk : x, rows, net.act, net.alpha, B.value_out);
  return false;
}

// One scratch set per calling thread; lambdas on pool workers get it by reference.
Buffers& thread_buffers() {
  static thread_local Buffers scratch;
  return scratch;
}

}  // namespace

void mlp_grads(const std::vector<PpoLayer>& layers, int act, float alpha, const float* x, int rows,
               const std::function<const float*(const float* outputs)>& loss_grad) {
  Buffers& B = thread_buffers();
  if (B.value_out.size() < layers.size()) B.value_out.resize(layers.size());
  forward(layers, x, rows, act, alpha, B.value_out);
  const float* dy = loss_grad(B.value_out[layers.size() - 1].data());
  if (dy) backward(layers, layers.size(), x, B.value_out, dy, rows, act, alpha, B.dv_a, B.dv_b);
}

void actor_critic_forward(const PpoNet& net, const float* obs, int rows, float* outputs, float* values) {
  Buffers& B = thread_buffers();
  run_forward(net, obs, rows, B);
  const PpoLayer& P = net.policy.back();
  std::memcpy(outputs, B.policy_out[net.policy.size() - 1].data(), sizeof(float) * (size_t)rows * P.out);
  std::memcpy(values, B.value_out[net.value.size() - 1].data(), sizeof(float) * (size_t)rows);
}

PpoStats ppo_categorical_grads(const PpoNet& net, const PpoBatch& batch, const int32_t* rows, int count, const PpoCoefficients& c) {
  Buffers& B = thread_buffers();
  const int n = batch.n, D = batch.obs_dim;
  const float fcount = (float)count;

  float* x = sized(B.x, (size_t)count * D);
  for (int r = 0; r < count; r++) std::memcpy(x + (size_t)r * D, batch.obs + (size_t)rows[r] * D, sizeof(float) * D);

  const bool split = run_forward(net, x, count, B);
  const float* logits = B.policy_out[net.policy.size() - 1].data();
  const float* trunk = net.policy.size() > 1 ? B.policy_out[net.policy.size() - 2].data() : x;
  const float* values = B.value_out[net.value.size() - 1].data();

  B.lp.resize(n);
  B.p.resize(n);
  B.lp_old.resize(n);
  B.p_old.resize(n);
  float* dlogits = sized(B.dlogits, (size_t)count * n);
  float* dvalues = sized(B.dvalues, count);

  const float lo = (float)(1 - c.clip), hi = (float)(1 + c.clip);
  const float vf_max = (float)c.vf_clip_max;
  const bool use_kl = c.kl_coeff != 0;
  // Upstream gradients of the four means: d(−mean surrogate), d(c_vf·mean), d(−c_ent·mean), d(c_kl·mean).
  const float g_policy = -1.0f / fcount;
  const float g_value = (float)c.vf_coeff / fcount;
  const float g_entropy = (float)(-c.entropy_coeff) / fcount;
  const float g_kl = (float)c.kl_coeff / fcount;

  float sum_surrogate = 0, sum_vf = 0, sum_kl = 0, sum_entropy = 0;
  for (int r = 0; r < count; r++) {
    const int row = rows[r];
    const float* z = logits + (size_t)r * n;
    double* lp = B.lp.data();
    double* p = B.p.data();
    log_softmax_row(z, n, lp, p);
    const int k = action_index(batch.actions[row], n);

    // Clipped surrogate: ratio = exp(logπ(a) − logπ_old(a)).
    const float logp = k < 0 ? 0.0f : (float)lp[k];
    const float ratio = expf(logp - batch.old_logp[row]);
    const float adv = batch.advantages[row];
    const float clipped = ratio < lo ? lo : (ratio > hi ? hi : ratio);
    const float s1 = adv * ratio, s2 = adv * clipped;
    const bool first = s1 <= s2;  // tf.minimum sends the gradient to its first argument on ties
    sum_surrogate += first ? s1 : s2;
    const float d_ratio_unclipped = (g_policy * (first ? 1.0f : 0.0f)) * adv;
    const float d_clipped = (g_policy * (first ? 0.0f : 1.0f)) * adv;
    const float d_ratio_clipped = ratio >= lo && ratio <= hi ? d_clipped : 0.0f;
    const float d_logp = (d_ratio_clipped + d_ratio_unclipped) * ratio;

    // Entropy.
    double h = 0;
    for (int j = 0; j < n; j++) h -= p[j] * lp[j];
    sum_entropy += (float)h;

    // KL(π_old ‖ π).
    double* lp_old = B.lp_old.data();
    double* p_old = B.p_old.data();
    log_softmax_row(batch.old_logits + (size_t)row * n, n, lp_old, p_old);
    double kl = 0;
    for (int j = 0; j < n; j++) kl += p_old[j] * (lp_old[j] - lp[j]);
    sum_kl += (float)kl;

    // d logits: the backward pass meets the KL term first, then the entropy, then log π(a).
    float* dz = dlogits + (size_t)r * n;
    for (int j = 0; j < n; j++) {
      const float from_entropy = (float)(-(double)g_entropy * p[j] * (lp[j] + h));
      const float from_logp = k < 0 ? 0.0f : (float)((double)d_logp * ((j == k ? 1.0 : 0.0) - p[j]));
      float acc = from_entropy;
      if (use_kl) acc = (float)((double)g_kl * (p[j] - p_old[j])) + from_entropy;
      dz[j] = acc + from_logp;
    }

    // Value loss: (V − target)², capped at vf_clip_max.
    const float diff = values[r] - batch.targets[row];
    const float sq = diff * diff;
    const bool pass = !c.vf_clip || (sq >= 0.0f && sq <= vf_max);
    sum_vf += c.vf_clip ? (sq < 0.0f ? 0.0f : (sq > vf_max ? vf_max : sq)) : sq;
    dvalues[r] = (pass ? g_value : 0.0f) * (diff * 2.0f);
  }

  PpoStats s;
  s.policy_loss = -(sum_surrogate / fcount);
  s.vf_loss = sum_vf / fcount;
  s.kl = sum_kl / fcount;
  s.entropy = sum_entropy / fcount;
  float total = s.policy_loss + s.vf_loss * (float)c.vf_coeff;
  total = total + s.entropy * (float)(-c.entropy_coeff);
  if (use_kl) total = total + s.kl * (float)c.kl_coeff;
  s.total = total;

  // Backward. The value path first: TensorFlow.js visits the later-created value head before the
  // policy head, so a shared trunk's gradient is d(value head) + d(logits layer).
  const size_t np = net.policy.size();
  if (net.shared) {
    const PpoLayer& V = net.value[0];
    const PpoLayer& P = net.policy[np - 1];
    float* dh_v = sized(B.dh_value, (size_t)count * V.in);
    dense_backward(count, V.out, V.in, trunk, V.w, values, dvalues, np > 1 ? dh_v : nullptr, V.gw, V.gb, kLinear, 0.0f);
    float* dh_p = sized(B.dh_a, (size_t)count * P.in);
    dense_backward(count, P.out, P.in, trunk, P.w, logits, dlogits, np > 1 ? dh_p : nullptr, P.gw, P.gb, kLinear, 0.0f);
    if (np > 1) {
      const size_t m = (size_t)count * P.in;
      for (size_t i = 0; i < m; i++) dh_v[i] = dh_v[i] + dh_p[i];
      backward(net.policy, np - 1, x, B.policy_out, dh_v, count, net.act, net.alpha, B.dh_a, B.dh_b);
    }
  } else if (split) {
    pool_for(2, [&](int part) {
      if (part == 0) backward(net.policy, np, x, B.policy_out, dlogits, count, net.act, net.alpha, B.dh_a, B.dh_b);
      else backward(net.value, net.value.size(), x, B.value_out, dvalues, count, net.act, net.alpha, B.dv_a, B.dv_b);
    });
  } else {
    backward(net.value, net.value.size(), x, B.value_out, dvalues, count, net.act, net.alpha, B.dv_a, B.dv_b);
    backward(net.policy, np, x, B.policy_out, dlogits, count, net.act, net.alpha, B.dh_a, B.dh_b);
  }
  return s;
}

}  // namespace gh
