// Fused optimiser steps (see optim.cc).
#pragma once

#include <cstdint>
#include <vector>

namespace gh {

struct AdamTensor {
  float* p;
  const float* g;
  float* m;
  float* v;
  int64_t n;
};

// Every value is used as a float32, as the TensorFlow.js path uses float32 scalars.
struct AdamHyper {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float c2;         // sqrt(1 - beta2^t)
  float eps;
  float step_size;  // lr / (1 - beta1^t)
  float grad_scale;
  bool scale_grads;  // multiply each gradient by grad_scale (rounded) first
};

void adam(const std::vector<AdamTensor>& tensors, const AdamHyper& h);

// Σ g² over all tensors, in float64.
double sum_squares(const std::vector<const float*>& data, const std::vector<int64_t>& sizes);

// g ← g·s (float32) in place.
void scale(const std::vector<float*>& data, const std::vector<int64_t>& sizes, float s);

}  // namespace gh
