// Fused optimiser steps over many parameter tensors at once.
//
// Adam repeats, in float32 and in the same order, the operations of the TensorFlow.js path in
// src/nn/optim.ts (m·β1 + g·(1−β1), v·β2 + g²·(1−β2), p − m/(√v/c2 + ε)·(lr/c1)); every one of
// them is exactly rounded in IEEE arithmetic, so the two paths agree bit for bit. The sum of
// squares uses a fixed chunking and lane order, so it is the same for any number of threads.
#include "optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"

namespace gh {
namespace {

constexpr int64_t kChunk = 1 << 16;  // elements per work item

struct Item {
  int tensor;
  int64_t begin, end;
};

std::vector<Item> split(const std::vector<int64_t>& sizes) {
  std::vector<Item> items;
  for (int t = 0; t < (int)sizes.size(); t++)
    for (int64_t b = 0; b < sizes[t]; b += kChunk) items.push_back({t, b, std::min(sizes[t], b + kChunk)});
  return items;
}

// Runs fn(item) for every item, shared between the pool's threads when there is enough work.
template <typename F>
void for_items(const std::vector<Item>& items, int64_t total, F fn) {
  if (total < 4 * kChunk || items.size() < 2 || pool_threads() < 2) {
    for (const Item& it : items) fn(it);
    return;
  }
  pool_for((int)items.size(), [&](int i) { fn(items[i]); });
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void adam_range(float* p, const float* g, float* m, float* v, int64_t n,
                                                                             const AdamHyper h) {
  const float b1 = h.beta1, ob1 = h.one_minus_beta1, b2 = h.beta2, ob2 = h.one_minus_beta2, c2 = h.c2, eps = h.eps, step = h.step_size;
  const float s = h.grad_scale;
  const bool scale = h.scale_grads;
  for (int64_t i = 0; i < n; i++) {
    const float gi = scale ? g[i] * s : g[i];
    const float mi = m[i] * b1 + gi * ob1;
    const float vi = v[i] * b2 + (gi * gi) * ob2;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / c2 + eps;
    p[i] = p[i] - (mi / denom) * step;
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) double sumsq_range(const float* g, int64_t n) {
  // 16 independent double lanes (element i goes to lane i % 16), combined pairwise at the end.
  double lane[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) lane[j] += (double)g[i + j] * (double)g[i + j];
  for (int j = 0; i < n; i++, j++) lane[j] += (double)g[i] * (double)g[i];
  for (int w = 8; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) lane[j] += lane[j + w];
  return lane[0];
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void scale_range(float* g, int64_t n, float s) {
  for (int64_t i = 0; i < n; i++) g[i] = g[i] * s;
}

}  // namespace

void adam(const std::vector<AdamTensor>& tensors, const AdamHyper& h) {
  std::vector<int64_t> sizes;
  int64_t total = 0;
  for (const auto& t : tensors) sizes.push_back(t.n), total += t.n;
  const auto items = split(sizes);
  for_items(items, total, [&](const Item& it) {
    const AdamTensor& t = tensors[it.tensor];
    adam_range(t.p + it.begin, t.g + it.begin, t.m + it.begin, t.v + it.begin, it.end - it.begin, h);
  });
}

double sum_squares(const std::vector<const float*>& data, const std::vector<int64_t>& sizes) {
  const auto items = split(sizes);
  std::vector<double> partial(items.size(), 0.0);
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  for_items(items, total, [&](const Item& it) {
    partial[&it - items.data()] = sumsq_range(data[it.tensor] + it.begin, it.end - it.begin);
  });
  double sum = 0.0;
  for (double p : partial) sum += p;  // in item order, whatever thread computed each
  return sum;
}

void scale(const std::vector<float*>& data, const std::vector<int64_t>& sizes, float s) {
  const auto items = split(sizes);
  int64_t total = 0;
  for (int64_t n : sizes) total += n;
  for_items(items, total, [&](const Item& it) { scale_range(data[it.tensor] + it.begin, it.end - it.begin, s); });
}

}  // namespace gh
