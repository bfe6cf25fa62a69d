// One minibatch of PPO's loss and gradients for an MLP actor-critic with a categorical policy,
// in one call (see ppo.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace gh {

// A dense layer's parameters and where its gradients go.
struct PpoLayer {
  const float* w;  // [in × out]
  const float* b;  // [out]
  float* gw;
  float* gb;
  int in;
  int out;
};

struct PpoNet {
  int act;      // activation of the hidden layers (kernels.h Act)
  float alpha;  // LeakyReLU slope
  bool shared;  // value head on the policy trunk (value = [one layer]) or a separate MLP
  std::vector<PpoLayer> policy;  // hidden layers, then the logits layer
  std::vector<PpoLayer> value;   // the value MLP's layers, or the single head on the trunk
};

// The whole rollout batch; a minibatch is a list of its rows.
struct PpoBatch {
  const float* obs;         // [size × obs_dim]
  const float* actions;     // [size], the action index as a float
  const float* old_logits;  // [size × n]
  const float* old_logp;    // [size]
  const float* advantages;  // [size]
  const float* targets;     // [size]
  int obs_dim;
  int n;  // number of actions
};

struct PpoCoefficients {
  double clip;
  double vf_coeff;
  bool vf_clip;
  double vf_clip_max;
  double entropy_coeff;
  double kl_coeff;
};

struct PpoStats {
  float policy_loss, vf_loss, kl, entropy, total;
};

// Forward pass, loss statistics and the gradient of every parameter for the rows `rows`.
PpoStats ppo_categorical_grads(const PpoNet& net, const PpoBatch& batch, const int32_t* rows, int count, const PpoCoefficients& c);

// One MLP (hidden layers `act`, last layer linear) on rows [rows × layers[0].in]: forward, then
// `loss_grad(outputs)` returns d loss / d outputs ([rows × last out], or null to stop), then every
// layer's gradient is written to its gw/gb.
void mlp_grads(const std::vector<PpoLayer>& layers, int act, float alpha, const float* x, int rows,
               const std::function<const float*(const float* outputs)>& loss_grad);

// The policy outputs [rows × outputs] and values [rows] for observations [rows × obs dim], with
// the same products as the dense kernel (so the same numbers as the TensorFlow.js forward pass).
void actor_critic_forward(const PpoNet& net, const float* obs, int rows, float* outputs, float* values);

}  // namespace gh
