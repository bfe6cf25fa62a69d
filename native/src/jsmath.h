// exp and log in double precision that return exactly what V8's Math.exp and Math.log return.
//
// V8 computes both with the classic fdlibm algorithms (argument reduction by ln 2, then a
// rational/polynomial approximation); glibc's exp and log are more accurate and so differ from
// them in the last bit for a tenth of all inputs. Kernels that must reproduce a JavaScript
// computation bit for bit (the fused PPO step against the TensorFlow.js path) use these.
// The constants are fdlibm's published minimax coefficients.
#pragma once

#include <cstdint>
#include <cstring>

namespace gh {
namespace jsmath {

inline uint32_t high_word(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return (uint32_t)(b >> 32);
}

inline uint32_t low_word(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return (uint32_t)b;
}

inline double set_high_word(double x, uint32_t hi) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  b = (b & 0xffffffffull) | ((uint64_t)hi << 32);
  std::memcpy(&x, &b, 8);
  return x;
}

inline double exp(double x) {
  constexpr double kLn2Hi[2] = {6.93147180369123816490e-01, -6.93147180369123816490e-01};
  constexpr double kLn2Lo[2] = {1.90821492927058770002e-10, -1.90821492927058770002e-10};
  constexpr double kHalf[2] = {0.5, -0.5};
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kOverflow = 7.09782712893383973096e+02;
  constexpr double kUnderflow = -7.45133219101941108420e+02;
  constexpr double kTwoM1000 = 9.33263618503218878990e-302;
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
                   P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  uint32_t hx = high_word(x);
  const int sign = (hx >> 31) & 1;
  hx &= 0x7fffffff;
  if (hx >= 0x40862E42) {  // |x| >= 709.78: overflow, underflow, inf or nan
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | low_word(x)) != 0) return x + x;
      return sign == 0 ? x : 0.0;
    }
    if (x > kOverflow) return __builtin_inf();
    if (x < kUnderflow) return 0.0;
  }
  double hi = 0, lo = 0;
  int k = 0;
  if (hx > 0x3fd62e42) {  // |x| > ln2 / 2: reduce to r = x − k·ln2 with |r| <= ln2 / 2
    if (hx < 0x3FF0A2B2) {
      hi = x - kLn2Hi[sign];
      lo = kLn2Lo[sign];
      k = 1 - sign - sign;
    } else {
      k = (int)(kInvLn2 * x + kHalf[sign]);
      const double t = k;
      hi = x - t * kLn2Hi[0];
      lo = t * kLn2Lo[0];
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {  // |x| < 2^-28
    return 1.0 + x;
  }
  const double t = x * x;
  const double c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) return set_high_word(y, high_word(y) + ((uint32_t)k << 20));
  return set_high_word(y, high_word(y) + ((uint32_t)(k + 1000) << 20)) * kTwoM1000;
}

inline double log(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10, kTwo54 = 1.80143985094819840000e+16;
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                   Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  int32_t hx = (int32_t)high_word(x);
  const uint32_t lx = low_word(x);
  int32_t k = 0;
  if (hx < 0x00100000) {  // zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) == 0) return -__builtin_inf();
    if (hx < 0) return __builtin_nan("");
    k -= 54;
    x *= kTwo54;
    hx = (int32_t)high_word(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const int32_t i0 = (hx + 0x95f64) & 0x100000;
  x = set_high_word(x, (uint32_t)(hx | (i0 ^ 0x3ff00000)));  // x or x/2 into [sqrt(2)/2, sqrt(2))
  k += (i0 >> 20);
  const double f = x - 1.0;
  const double dk = (double)k;
  if ((0x000fffff & (2 + hx)) < 3) {  // |f| < 2^-20
    if (f == 0.0) return k == 0 ? 0.0 : dk * kLn2Hi + dk * kLn2Lo;
    const double r = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - r : dk * kLn2Hi - ((r - dk * kLn2Lo) - f);
  }
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const int32_t i = (hx - 0x6147a) | (0x6b851 - hx);
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double r = t2 + t1;
  if (i > 0) {
    const double hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + r)) : dk * kLn2Hi - ((hfsq - (s * (hfsq + r) + dk * kLn2Lo)) - f);
  }
  return k == 0 ? f - s * (f - r) : dk * kLn2Hi - ((s * (f - r) - dk * kLn2Lo) - f);
}

// Math.max for two doubles: NaN if either is NaN.
inline double max(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == b) return std::memcmp(&a, &b, 8) == 0 ? a : 0.0;  // max(−0, +0) = +0
  return a > b ? a : b;
}

}  // namespace jsmath
}  // namespace gh
