// fastexp.h — exp in float, written so that a compiler can vectorise it.
//
// libm's expf is a function call, so a loop that calls it runs one value at a
// time. The training build spends a good share of its non-matrix time in exp
// (the sigmoid of SwiGLU, every softmax), so it uses this inline version: the
// same method as libm, in straight-line C (no calls, no branches), which gcc
// and clang turn into 8 lanes per instruction.
//
// Method (Cody–Waite reduction, as in Cephes' expf):
//   exp(x) = 2^n exp(r),  n = round(x / ln 2),  r = x - n ln 2,  |r| <= ln2/2
// with n ln 2 subtracted in two parts (ln2_hi exact in float, ln2_lo the rest)
// so r keeps its low bits; exp(r) from a degree-7 polynomial,
//   exp(r) ~ 1 + r + r^2 (1/2 + r (1/6 + r (1/24 + ...)))
// and 2^n built directly from float bits. Measured against
// libm over [-87, 88]: at most 2 ulp (tests/test_layers.c checks it).
// Inputs below -87.3 (exp < the smallest normal float) give exactly 0, as a
// softmax over very different logits expects; above 88.7 give +infinity; NaN
// stays NaN.
#ifndef DIFFTX_FASTEXP_H
#define DIFFTX_FASTEXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float exp_fast(float x) {
    const float hi = 88.72283f, lo = -87.33654f;
    float xc = x > hi ? hi : x;
    xc = xc < lo ? lo : xc;
    // round(x / ln2) via the 1.5 * 2^23 trick: adding it pushes the fraction
    // bits out, in round-to-nearest, for |n| < 2^22.
    const float shifter = 12582912.0f;
    xc = xc == xc ? xc : 0.0f; // NaN: computed on 0 (no undefined conversion), returned below
    float t = xc * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = xc - n * 0.693359375f; // ln2_hi: few bits, so n * ln2_hi is exact
    r = r - n * -2.12194440e-4f;     // ln2_lo = ln2 - ln2_hi
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    // 2^n as float bits (n + 127) << 23, in two halves n = a + b so that both
    // stay normal floats at the ends of the range (n = -126 and n = 128).
    int32_t ni = (int32_t)n, a = ni / 2, b = ni - a;
    uint32_t ba = (uint32_t)(a + 127) << 23, bb = (uint32_t)(b + 127) << 23;
    float sa, sb;
    memcpy(&sa, &ba, sizeof sa);
    memcpy(&sb, &bb, sizeof sb);
    float y = p * sa * sb;
    y = x < lo ? 0.0f : y;
    y = x > hi ? (float)INFINITY : y;
    y = x == x ? y : x;
    return y;
}

#endif
