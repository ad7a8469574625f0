// ffn.c — feed-forward networks, built from linear layers and a gate.
//
// SwiGLU: silu(z) = z s(z) with s the logistic sigmoid, and
//   silu'(z) = s(z) + z s(z)(1 - s(z)) = s(z) (1 + z (1 - s(z))).
// From dh = dL/dh (h = silu(g) u):
//   dL/du = dh * silu(g),   dL/dg = dh * u * silu'(g)
// then each linear layer sends its share back to x and to its weight.
//
// ReLU: dL/da = dh where a > 0, else 0 (the kink at 0 takes the 0 side).
#include "layers/ffn.h"

#include <math.h>
#include <string.h>

#include "layers/linear.h"

static real sigmoid(real z) { return 1 / (1 + real_exp(-z)); }

void swiglu_forward(real *out, SwigluSaved sv, const real *x, SwigluWeights w, int N, int C, int F) {
    linear_forward(sv.g, x, w.w_gate, NULL, N, C, F);
    linear_forward(sv.u, x, w.w_up, NULL, N, C, F);
    size_t n = (size_t)N * F;
    DIFFTX_OMP_FOR // one exp per value: heavy enough to share between threads
    for (size_t i = 0; i < n; i++) sv.h[i] = sv.g[i] * sigmoid(sv.g[i]) * sv.u[i];
    linear_forward(out, sv.h, w.w_down, NULL, N, F, C);
}

void swiglu_backward(real *dx, SwigluGrads dw, real *scratch1, real *scratch2, const real *dout, const real *x,
                     SwigluSaved sv, SwigluWeights w, int N, int C, int F) {
    // EXERCISE BEGIN 07 swiglu_backward
    size_t n = (size_t)N * F;
    const real *g = sv.g, *u = sv.u;
    real *dg = scratch1, *du = scratch2;
    memset(dg, 0, n * sizeof(real));
    linear_backward(dg, dw.w_down, NULL, dout, sv.h, w.w_down, N, F, C); // dg holds dh for now
    DIFFTX_OMP_FOR
    for (size_t i = 0; i < n; i++) {
        real s = sigmoid(g[i]);
        real dh = dg[i];
        du[i] = dh * g[i] * s;
        dg[i] = dh * u[i] * s * (1 + g[i] * (1 - s));
    }
    linear_backward(dx, dw.w_gate, NULL, dg, x, w.w_gate, N, C, F);
    linear_backward(dx, dw.w_up, NULL, du, x, w.w_up, N, C, F);
    // EXERCISE END
}

void relu_ffn_forward(real *out, ReluSaved sv, const real *x, ReluWeights w, int N, int C, int F) {
    linear_forward(sv.a, x, w.w1, w.b1, N, C, F);
    size_t n = (size_t)N * F;
    for (size_t i = 0; i < n; i++) sv.h[i] = sv.a[i] > 0 ? sv.a[i] : 0;
    linear_forward(out, sv.h, w.w2, w.b2, N, F, C);
}

void relu_ffn_backward(real *dx, ReluGrads dw, real *scratch, const real *dout, const real *x, ReluSaved sv,
                       ReluWeights w, int N, int C, int F) {
    // EXERCISE BEGIN 07 relu_ffn_backward
    size_t n = (size_t)N * F;
    real *da = scratch;
    memset(da, 0, n * sizeof(real));
    linear_backward(da, dw.w2, dw.b2, dout, sv.h, w.w2, N, F, C); // da holds dh for now
    for (size_t i = 0; i < n; i++) da[i] = sv.a[i] > 0 ? da[i] : 0;
    linear_backward(dx, dw.w1, dw.b1, da, x, w.w1, N, C, F);
    // EXERCISE END
}
