// Cache-blocked float32 GEMM (the Goto/BLIS loop order): B panels of KC×NC and A blocks of
// MC×KC are packed into micro-panels that a register-blocked MR×NR micro-kernel streams through.
//
// Summation order of C[i][j]: for each KC block of k in increasing order, the block's products are
// accumulated in increasing k into a register (with FMA on avx2/avx512), then added to C. The
// order depends only on KC, so results do not depend on the number of threads (which only split
// the rows or columns of C between them), nor on where a tile falls (edge tiles run the same
// micro-kernel into a scratch tile).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "kernels.h"
#include "pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define GH_X86 1
#endif

namespace gh {
namespace {

constexpr int KC = 256;

using Ukr = void (*)(int kc, const float* a, const float* b, float* c, int64_t ldc, bool first);

// ---------------------------------------------------------------------------------------------
// Micro-kernels: C[MR×NR] (=|+=) Σ_k a[k*MR + r] * b[k*NR + c]

template <int MR, int NR>
void ukr_generic(int kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
  float acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NR; j++) acc[r][j] = 0.0f;
  for (int k = 0; k < kc; k++) {
    const float* bk = b + k * NR;
    const float* ak = a + k * MR;
    for (int r = 0; r < MR; r++) {
      const float ar = ak[r];
      for (int j = 0; j < NR; j++) acc[r][j] += ar * bk[j];
    }
  }
  for (int r = 0; r < MR; r++) {
    float* cr = c + r * ldc;
    if (first)
      for (int j = 0; j < NR; j++) cr[j] = acc[r][j];
    else
      for (int j = 0; j < NR; j++) cr[j] = cr[j] + acc[r][j];
  }
}

#ifdef GH_X86
__attribute__((target("avx2,fma"))) void ukr_avx2_6x16(int kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(b + k * 16);
    const __m256 b1 = _mm256_load_ps(b + k * 16 + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m256 ar = _mm256_broadcast_ss(a + k * MR + r);
      acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    float* cr = c + r * ldc;
    if (first) {
      _mm256_storeu_ps(cr, acc[r][0]);
      _mm256_storeu_ps(cr + 8, acc[r][1]);
    } else {
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), acc[r][0]));
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), acc[r][1]));
    }
  }
}

__attribute__((target("avx512f"))) void ukr_avx512_8x32(int kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
  constexpr int MR = 8;
  __m512 acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_load_ps(b + k * 32);
    const __m512 b1 = _mm512_load_ps(b + k * 32 + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const __m512 ar = _mm512_set1_ps(a[k * MR + r]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    float* cr = c + r * ldc;
    if (first) {
      _mm512_storeu_ps(cr, acc[r][0]);
      _mm512_storeu_ps(cr + 16, acc[r][1]);
    } else {
      _mm512_storeu_ps(cr, _mm512_add_ps(_mm512_loadu_ps(cr), acc[r][0]));
      _mm512_storeu_ps(cr + 16, _mm512_add_ps(_mm512_loadu_ps(cr + 16), acc[r][1]));
    }
  }
}
#endif

// ---------------------------------------------------------------------------------------------
// Packing (zero-padded to whole micro-panels)

template <int MR>
void pack_a(const View& a, int i0, int rows, int k0, int kc, float* dst) {
  if (a.rs == 1) {  // column-contiguous (a transposed operand): MR consecutive rows per k
    for (int k = 0; k < kc; k++) {
      const float* src = a.p + (int64_t)(k0 + k) * a.cs + i0;
      float* d = dst + k * MR;
      int r = 0;
      for (; r < rows; r++) d[r] = src[r];
      for (; r < MR; r++) d[r] = 0.0f;
    }
    return;
  }
  for (int r = 0; r < MR; r++) {
    if (r < rows) {
      const float* src = a.p + (int64_t)(i0 + r) * a.rs + (int64_t)k0 * a.cs;
      if (a.cs == 1)
        for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
      else
        for (int k = 0; k < kc; k++) dst[k * MR + r] = src[(int64_t)k * a.cs];
    } else {
      for (int k = 0; k < kc; k++) dst[k * MR + r] = 0.0f;
    }
  }
}

template <int NR>
void pack_b(const View& b, int k0, int kc, int j0, int cols, float* dst) {
  if (b.cs == 1) {  // row-contiguous: NR consecutive columns per k
    for (int k = 0; k < kc; k++) {
      const float* src = b.p + (int64_t)(k0 + k) * b.rs + j0;
      float* d = dst + k * NR;
      if (cols == NR) {
        std::memcpy(d, src, sizeof(float) * NR);
      } else {
        int j = 0;
        for (; j < cols; j++) d[j] = src[j];
        for (; j < NR; j++) d[j] = 0.0f;
      }
    }
    return;
  }
  for (int j = 0; j < NR; j++) {
    if (j < cols) {
      const float* src = b.p + (int64_t)k0 * b.rs + (int64_t)(j0 + j) * b.cs;
      if (b.rs == 1)
        for (int k = 0; k < kc; k++) dst[k * NR + j] = src[k];
      else
        for (int k = 0; k < kc; k++) dst[k * NR + j] = src[(int64_t)k * b.rs];
    } else {
      for (int k = 0; k < kc; k++) dst[k * NR + j] = 0.0f;
    }
  }
}

// Per-thread packing buffers, 64-byte aligned, grown on demand and kept for the thread's life.
struct Scratch {
  float* p = nullptr;
  size_t n = 0;
  float* get(size_t want) {
    if (want > n) {
      std::free(p);
      size_t bytes = ((want * sizeof(float) + 63) / 64) * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      n = p ? want : 0;
      if (!p) std::abort();
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};

void epilogue(float* c, int64_t ldc, int rows, int cols, int j0, const float* bias, int act, float alpha);

// C[mc×nc] (=|+=) packed A block [mc×kc] · packed B panel [kc×nc], tile by tile.
template <int MR, int NR, Ukr U>
void macro_kernel(int mc, int nc, int kc, const float* ap, const float* bp, float* c, int64_t ldc, bool first) {
  alignas(64) float tile[MR * NR];
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = std::min(NR, nc - jr);
    const float* bpanel = bp + (size_t)jr * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      const int mr = std::min(MR, mc - ir);
      float* cij = c + (int64_t)ir * ldc + jr;
      const float* apanel = ap + (size_t)ir * kc;
      if (mr == MR && nr == NR) {
        U(kc, apanel, bpanel, cij, ldc, first);
      } else {
        U(kc, apanel, bpanel, tile, NR, true);
        for (int r = 0; r < mr; r++)
          for (int j = 0; j < nr; j++) cij[r * ldc + j] = first ? tile[r * NR + j] : cij[r * ldc + j] + tile[r * NR + j];
      }
    }
  }
}

template <int MR, int NR, int MC, int NC, Ukr U>
void gemm_serial(int m, int n, int k, const View& a, const View& b, float* c, int64_t ldc) {
  static thread_local Scratch abuf, bbuf;
  if (k == 0) {
    for (int i = 0; i < m; i++) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  const int kcmax = std::min(KC, k);
  float* ap = abuf.get((size_t)MC * kcmax);
  float* bp = bbuf.get((size_t)((std::min(NC, n) + NR - 1) / NR) * NR * kcmax);
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      for (int jr = 0; jr < nc; jr += NR) pack_b<NR>(b, pc, kc, jc + jr, std::min(NR, nc - jr), bp + (size_t)jr * kc);
      for (int ic = 0; ic < m; ic += MC) {
        const int mc = std::min(MC, m - ic);
        for (int ir = 0; ir < mc; ir += MR) pack_a<MR>(a, ic + ir, std::min(MR, mc - ir), pc, kc, ap + (size_t)ir * kc);
        macro_kernel<MR, NR, U>(mc, nc, kc, ap, bp, c + (int64_t)ic * ldc + jc, ldc, pc == 0);
      }
    }
  }
}

// The same product on the pool: each B panel is packed once (slivers shared out), then the rows
// of C are shared out in chunks of whole micro-tiles; several chunks per thread, so a worker that
// is descheduled (another process on the core) holds up only a small part. Ends with the
// epilogue (bias, activation) on each chunk's rows.
template <int MR, int NR, int MC, int NC, Ukr U>
void gemm_shared(int m, int n, int k, const View& a, const View& b, float* c, int64_t ldc, const float* bias, int act, float alpha) {
  static thread_local Scratch bbuf;
  const int threads = pool_threads();
  const int kcmax = std::min(KC, k);
  float* bp = bbuf.get((size_t)((std::min(NC, n) + NR - 1) / NR) * NR * kcmax);
  const int micro_rows = (m + MR - 1) / MR;
  const int row_chunks = std::min(micro_rows, 4 * threads);
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      const bool first = pc == 0, last = pc + kc >= k;
      const int slivers = (nc + NR - 1) / NR;
      const int pack_chunks = std::min(slivers, 2 * threads);
      pool_for(pack_chunks, [&](int t) {
        for (int sl = slivers * t / pack_chunks; sl < slivers * (t + 1) / pack_chunks; sl++)
          pack_b<NR>(b, pc, kc, jc + sl * NR, std::min(NR, nc - sl * NR), bp + (size_t)sl * NR * kc);
      });
      pool_for(row_chunks, [&](int t) {
        static thread_local Scratch abuf;
        const int r0 = micro_rows * t / row_chunks * MR, r1 = std::min(m, micro_rows * (t + 1) / row_chunks * MR);
        float* ap = abuf.get((size_t)MC * kcmax);
        for (int ic = r0; ic < r1; ic += MC) {
          const int mc = std::min(MC, r1 - ic);
          for (int ir = 0; ir < mc; ir += MR) pack_a<MR>(a, ic + ir, std::min(MR, mc - ir), pc, kc, ap + (size_t)ir * kc);
          macro_kernel<MR, NR, U>(mc, nc, kc, ap, bp, c + (int64_t)ic * ldc + jc, ldc, first);
        }
        if (last) epilogue(c + (int64_t)r0 * ldc + jc, ldc, r1 - r0, nc, jc, bias, act, alpha);
      });
    }
  }
}

struct Isa {
  const char* name;
  int mr, nr;
  void (*serial)(int, int, int, const View&, const View&, float*, int64_t);
  void (*shared)(int, int, int, const View&, const View&, float*, int64_t, const float*, int, float);
  bool (*supported)();
};

bool always() { return true; }
#ifdef GH_X86
bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#endif

const Isa kIsas[] = {
#ifdef GH_X86
    {"avx512", 8, 32, gemm_serial<8, 32, 128, 1024, ukr_avx512_8x32>, gemm_shared<8, 32, 128, 1024, ukr_avx512_8x32>, has_avx512},
    {"avx2", 6, 16, gemm_serial<6, 16, 120, 1024, ukr_avx2_6x16>, gemm_shared<6, 16, 120, 1024, ukr_avx2_6x16>, has_avx2},
#endif
    {"generic", 4, 16, gemm_serial<4, 16, 96, 1024, ukr_generic<4, 16>>, gemm_shared<4, 16, 96, 1024, ukr_generic<4, 16>>, always},
};

const Isa* pick_default() {
  const char* want = std::getenv("GOODHART_NATIVE_ISA");
  for (const Isa& isa : kIsas)
    if (want && std::strcmp(want, isa.name) == 0 && isa.supported()) return &isa;
  for (const Isa& isa : kIsas)
    if (isa.supported()) return &isa;
  return &kIsas[sizeof(kIsas) / sizeof(kIsas[0]) - 1];
}

const Isa* g_isa = pick_default();

// Products below this many flops run on the calling thread alone (waking a worker costs more).
double par_flops() {
  static const double v = [] {
    const char* env = std::getenv("GOODHART_NATIVE_PAR_FLOPS");
    return env ? std::atof(env) : 4.0e6;
  }();
  return v;
}

// tanh in float32 from expm1: tanh|x| = e/(e + 2) with e = expm1(2|x|), e computed as
// 2^n·(1 + q(r)) − 1 with 2|x| = n·ln2 + r, |r| ≤ ln2/2 and q(r) = e^r − 1 by its Taylor series
// to r^8 (truncation error below 1e-8 relative). Branch-free so that it vectorises; within a few
// ulp of the correctly rounded result. |x| ≥ 9 gives ±1 (tanh 9 = 1 − 3e-8).
inline float tanh1(float x) {
  const float ax = std::min(std::fabs(x), 9.0f);
  const float y = ax + ax;
  const int n = (int)(y * 1.44269504088896341f + 0.5f);
  const float fn = (float)n;
  const float r = (y - fn * 0.693145751953125f) - fn * 1.428606765330187045e-06f;
  float q = 1.0f / 40320.0f;
  q = q * r + 1.0f / 5040.0f;
  q = q * r + 1.0f / 720.0f;
  q = q * r + 1.0f / 120.0f;
  q = q * r + 1.0f / 24.0f;
  q = q * r + 1.0f / 6.0f;
  q = q * r + 0.5f;
  q = q * r + 1.0f;
  q = q * r;  // e^r − 1
  const float two_n = __builtin_bit_cast(float, (n + 127) << 23);
  const float e = (two_n - 1.0f) + two_n * q;  // expm1(y)
  const float t = e / (e + 2.0f);
  return std::copysign(t, x);
}

inline float act1(float v, int act, float alpha) {
  switch (act) {
    case kTanh:
      return tanh1(v);
    case kRelu:
      return v > 0.0f ? v : 0.0f;
    case kLeakyRelu:
      return v > 0.0f ? v : v * alpha;
    case kSigmoid:
      return 1.0f / (1.0f + std::exp(-v));
    case kRelu6:
      return std::min(std::max(v, 0.0f), 6.0f);
    case kElu:
      return v > 0.0f ? v : std::expm1(v);
    default:
      return v;
  }
}

// c[j] = act(c[j] + bias[j]) over one row (bias may be null); vectorised per instruction set.
__attribute__((target_clones("avx512f", "avx2", "default"))) void bias_act_row(float* c, int cols, const float* bias, int act, float alpha) {
  if (bias)
    for (int j = 0; j < cols; j++) c[j] = c[j] + bias[j];
  switch (act) {
    case kLinear:
      return;
    case kTanh:
      for (int j = 0; j < cols; j++) c[j] = tanh1(c[j]);
      return;
    case kRelu:
      for (int j = 0; j < cols; j++) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
      return;
    case kLeakyRelu:
      for (int j = 0; j < cols; j++) c[j] = c[j] > 0.0f ? c[j] : c[j] * alpha;
      return;
    default:
      for (int j = 0; j < cols; j++) c[j] = act1(c[j], act, alpha);
  }
}

void epilogue(float* c, int64_t ldc, int rows, int cols, int j0, const float* bias, int act, float alpha) {
  if (!bias && act == kLinear) return;
  for (int i = 0; i < rows; i++) bias_act_row(c + i * ldc, cols, bias ? bias + j0 : nullptr, act, alpha);
}

// dz = dy ⊙ act'(y), written from the layer's output y.
__attribute__((target_clones("avx512f", "avx2", "default"))) void act_grad(float* d, const float* dy, const float* y, int64_t total, int act,
                                                                           float alpha) {
  switch (act) {
    case kTanh:
      for (int64_t i = 0; i < total; i++) d[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    case kRelu:
      for (int64_t i = 0; i < total; i++) d[i] = y[i] > 0.0f ? dy[i] : 0.0f;
      break;
    case kLeakyRelu:
      for (int64_t i = 0; i < total; i++) d[i] = y[i] > 0.0f ? dy[i] : dy[i] * alpha;
      break;
    case kSigmoid:
      for (int64_t i = 0; i < total; i++) d[i] = dy[i] * (y[i] * (1.0f - y[i]));
      break;
    case kRelu6:
      for (int64_t i = 0; i < total; i++) d[i] = (y[i] > 0.0f && y[i] < 6.0f) ? dy[i] : 0.0f;
      break;
    case kElu:
      for (int64_t i = 0; i < total; i++) d[i] = y[i] > 0.0f ? dy[i] : dy[i] * (y[i] + 1.0f);
      break;
    default:
      for (int64_t i = 0; i < total; i++) d[i] = dy[i];
  }
}

// db[j] = Σ_i dz[i][j], rows in order.
__attribute__((target_clones("avx512f", "avx2", "default"))) void col_sums(float* db, const float* dz, int m, int n) {
  for (int j = 0; j < n; j++) db[j] = 0.0f;
  for (int i = 0; i < m; i++) {
    const float* row = dz + (int64_t)i * n;
    for (int j = 0; j < n; j++) db[j] = db[j] + row[j];
  }
}

}  // namespace

double parallel_min_flops() { return par_flops(); }

const char* isa_name() { return g_isa->name; }

bool set_isa(const char* name) {
  for (const Isa& isa : kIsas) {
    if (std::strcmp(name, isa.name) == 0) {
      if (!isa.supported()) return false;
      g_isa = &isa;
      return true;
    }
  }
  return false;
}

void activate(float* v, int64_t n, int act, float alpha) {
  for (int64_t i = 0; i < n; i++) v[i] = act1(v[i], act, alpha);
}

void gemm(int m, int n, int k, View a, View b, float* c, int64_t ldc, const float* bias, int act, float alpha) {
  if (m <= 0 || n <= 0) return;
  const Isa* isa = g_isa;
  const double flops = 2.0 * m * n * k;
  // Split the longer side of C into chunks of whole micro-tiles; each chunk owns a block of C.
  const bool split_cols = (int64_t)n * isa->mr >= (int64_t)m * isa->nr;
  const int unit = split_cols ? isa->nr : isa->mr;
  const int total = split_cols ? n : m;
  const int units = (total + unit - 1) / unit;
  int chunks = 1;
  if (pool_threads() > 1 && flops >= par_flops()) {
    // One chunk per thread (two per thread balanced no better and packed more); at least ~1 MFLOP each.
    // Chunks are claimed dynamically, so when a worker wakes late the caller runs them all itself.
    chunks = (int)std::min<double>({(double)units, (double)pool_threads(), flops / 1.0e6});
    chunks = std::max(chunks, 1);
  }
  if (chunks == 1) {
    isa->serial(m, n, k, a, b, c, ldc);
    epilogue(c, ldc, m, n, 0, bias, act, alpha);
    return;
  }
  if (k > 0 && (m + isa->mr - 1) / isa->mr >= 2 * pool_threads()) {
    isa->shared(m, n, k, a, b, c, ldc, bias, act, alpha);
    return;
  }
  pool_for(chunks, [&](int t) {
    const int u0 = (int)((int64_t)units * t / chunks), u1 = (int)((int64_t)units * (t + 1) / chunks);
    const int lo = std::min(total, u0 * unit), hi = std::min(total, u1 * unit);
    if (hi <= lo) return;
    if (split_cols) {
      View bs{b.p + (int64_t)lo * b.cs, b.rs, b.cs};
      isa->serial(m, hi - lo, k, a, bs, c + lo, ldc);
      epilogue(c + lo, ldc, m, hi - lo, lo, bias, act, alpha);
    } else {
      View as{a.p + (int64_t)lo * a.rs, a.rs, a.cs};
      isa->serial(hi - lo, n, k, as, b, c + (int64_t)lo * ldc, ldc);
      epilogue(c + (int64_t)lo * ldc, ldc, hi - lo, n, 0, bias, act, alpha);
    }
  });
}

void gemm_batched(int batch, int m, int n, int k, View a, int64_t a_stride, View b, int64_t b_stride, float* c, const float* bias, int act,
                  float alpha) {
  const int64_t c_stride = (int64_t)m * n;
  if (batch >= 2 * pool_threads() && pool_threads() > 1 && 2.0 * m * n * k * batch >= par_flops()) {
    // Whole products per chunk: each output matrix is still computed by one thread alone.
    const Isa* isa = g_isa;
    pool_for(batch, [&](int i) {
      View ai{a.p + a_stride * i, a.rs, a.cs}, bi{b.p + b_stride * i, b.rs, b.cs};
      float* ci = c + c_stride * i;
      isa->serial(m, n, k, ai, bi, ci, n);
      epilogue(ci, n, m, n, 0, bias, act, alpha);
    });
    return;
  }
  for (int i = 0; i < batch; i++) {
    View ai{a.p + a_stride * i, a.rs, a.cs}, bi{b.p + b_stride * i, b.rs, b.cs};
    gemm(m, n, k, ai, bi, c + c_stride * i, n, bias, act, alpha);
  }
}

void dense_backward(int m, int n, int k, const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw, float* db,
                    int act, float alpha) {
  static thread_local Scratch dzbuf;
  const float* dz = dy;
  if (act != kLinear) {
    float* d = dzbuf.get((size_t)m * n);
    act_grad(d, dy, y, (int64_t)m * n, act, alpha);
    dz = d;
  }
  // dx = dz · wᵀ, with wᵀ(r, c) = w[c * n + r]; dw = xᵀ · dz, with xᵀ(r, c) = x[c * k + r].
  auto grad_x = [&] {
    if (dx) gemm(m, k, n, View{dz, n, 1}, View{w, 1, n}, dx, k, nullptr, kLinear, 0.0f);
  };
  auto grad_w = [&] {
    if (dw) gemm(k, n, m, View{x, 1, k}, View{dz, n, 1}, dw, n, nullptr, kLinear, 0.0f);
    if (db) col_sums(db, dz, m, n);
  };
  // Two threads: one product each (no packing done twice, no split); a nested gemm runs serially.
  if (dx && dw && pool_threads() > 1 && 2.0 * m * n * k >= par_flops()) {
    pool_for(2, [&](int part) { part == 0 ? grad_w() : grad_x(); });
  } else {
    grad_x();
    grad_w();
  }
}

}  // namespace gh
