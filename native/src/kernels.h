// Float32 kernels behind src/nn/native.ts: a cache-blocked GEMM with transposes, a fused dense
// layer (forward and backward), and fused optimiser steps.
//
// Every result is deterministic: each output element is computed by exactly one thread, with a
// summation order fixed by the blocking constants (never by the number of threads or timing).
#pragma once

#include <cstdint>

namespace gh {

// Element (i, j) of a matrix view is p[i * rs + j * cs].
struct View {
  const float* p;
  int64_t rs;
  int64_t cs;
};

enum Act : int { kLinear = 0, kTanh = 1, kRelu = 2, kLeakyRelu = 3, kSigmoid = 4, kRelu6 = 5, kElu = 6 };

// The instruction set the GEMM micro-kernel uses; "avx512", "avx2" or "generic".
const char* isa_name();
// Selects a micro-kernel by name; returns false (and changes nothing) if the CPU lacks it.
bool set_isa(const char* name);

// C[m×n] (row stride ldc) = A[m×k] · B[k×n], optionally followed by C = act(C + bias[j]).
// bias may be null. Uses the pool when the product is large enough.
void gemm(int m, int n, int k, View a, View b, float* c, int64_t ldc, const float* bias, int act, float alpha);

// Batched form: `batch` products with per-batch element strides (0 broadcasts an operand).
void gemm_batched(int batch, int m, int n, int k, View a, int64_t a_stride, View b, int64_t b_stride, float* c, const float* bias, int act,
                  float alpha);

// Dense layer backward for y = act(x·w + bias): dz = dy ⊙ act'(y) (from the output y), then
// dx = dz·wᵀ [m×k], dw = xᵀ·dz [k×n], db = Σ_rows dz [n]. Any of dx, dw, db may be null.
void dense_backward(int m, int n, int k, const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw, float* db,
                    int act, float alpha);

// Products smaller than this many flops run on one thread (GOODHART_NATIVE_PAR_FLOPS).
double parallel_min_flops();

// Applies an activation in place to n values (the fused epilogue, exposed for tests).
void activate(float* v, int64_t n, int act, float alpha);

}  // namespace gh
