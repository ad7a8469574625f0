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

void swiglu_forward(real *out, real *g, real *u, real *h, const real *x, const real *w_gate,
                    const real *w_up, const real *w_down, int N, int C, int F) {
    linear_forward(g, x, w_gate, NULL, N, C, F);
    linear_forward(u, x, w_up, NULL, N, C, F);
    size_t n = (size_t)N * F;
    DIFFTX_OMP_FOR // one exp per value: heavy enough to share between threads
    for (size_t i = 0; i < n; i++) h[i] = g[i] * sigmoid(g[i]) * u[i];
    linear_forward(out, h, w_down, NULL, N, F, C);
}

void swiglu_backward(real *dx, real *dw_gate, real *dw_up, real *dw_down, real *scratch1, real *scratch2,
                     const real *dout, const real *x, const real *g, const real *u, const real *h,
                     const real *w_gate, const real *w_up, const real *w_down, int N, int C, int F) {
    // EXERCISE BEGIN 07 swiglu_backward
    size_t n = (size_t)N * F;
    real *dg = scratch1, *du = scratch2;
    memset(dg, 0, n * sizeof(real));
    linear_backward(dg, dw_down, NULL, dout, h, w_down, N, F, C); // dg holds dh for now
    DIFFTX_OMP_FOR
    for (size_t i = 0; i < n; i++) {
        real s = sigmoid(g[i]);
        real dh = dg[i];
        du[i] = dh * g[i] * s;
        dg[i] = dh * u[i] * s * (1 + g[i] * (1 - s));
    }
    linear_backward(dx, dw_gate, NULL, dg, x, w_gate, N, C, F);
    linear_backward(dx, dw_up, NULL, du, x, w_up, N, C, F);
    // EXERCISE END
}

void relu_ffn_forward(real *out, real *a, real *h, const real *x, const real *w1, const real *b1,
                      const real *w2, const real *b2, int N, int C, int F) {
    linear_forward(a, x, w1, b1, N, C, F);
    size_t n = (size_t)N * F;
    for (size_t i = 0; i < n; i++) h[i] = a[i] > 0 ? a[i] : 0;
    linear_forward(out, h, w2, b2, N, F, C);
}

void relu_ffn_backward(real *dx, real *dw1, real *db1, real *dw2, real *db2, real *scratch, const real *dout,
                       const real *x, const real *a, const real *h, const real *w1, const real *w2, int N, int C,
                       int F) {
    // EXERCISE BEGIN 07 relu_ffn_backward
    size_t n = (size_t)N * F;
    real *da = scratch;
    memset(da, 0, n * sizeof(real));
    linear_backward(da, dw2, db2, dout, h, w2, N, F, C); // da holds dh for now
    for (size_t i = 0; i < n; i++) da[i] = a[i] > 0 ? da[i] : 0;
    linear_backward(dx, dw1, db1, da, x, w1, N, C, F);
    // EXERCISE END
}
