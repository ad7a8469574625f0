// ffn_fast.c — ffn.c's feed-forward networks with the tiled products of
// linear_fast.c. The elementwise gates are ffn.c's loops, parallel because
// each value costs an exp; the derivation is in ffn.c.
#include "layers/fast/ffn_fast.h"

#include <string.h>

#include "layers/fast/linear_fast.h"
#include "layers/ffn.h"

static real sigmoid(real z) { return 1 / (1 + real_exp(-z)); }

void swiglu_forward_fast(real *out, real *g, real *u, real *h, const real *x, const real *w_gate, const real *w_up,
                         const real *w_down, int N, int C, int F) {
    linear_forward_fast(g, x, w_gate, NULL, N, C, F);
    linear_forward_fast(u, x, w_up, NULL, N, C, F);
    const size_t n = (size_t)N * F;
    DIFFTX_OMP_FOR
    for (size_t i = 0; i < n; i++) h[i] = g[i] * sigmoid(g[i]) * u[i];
    linear_forward_fast(out, h, w_down, NULL, N, F, C);
}

void swiglu_backward_fast(real *dx, real *dw_gate, real *dw_up, real *dw_down, real *scratch1, real *scratch2,
                          const real *dout, const real *x, const real *g, const real *u, const real *h,
                          const real *w_gate, const real *w_up, const real *w_down, int N, int C, int F) {
    // TWIN BEGIN 07 swiglu_backward -> swiglu_backward(dx, dw_gate, dw_up, dw_down, scratch1, scratch2, dout, x, g, u, h, w_gate, w_up, w_down, N, C, F);
    const size_t n = (size_t)N * F;
    real *dg = scratch1, *du = scratch2;
    memset(dg, 0, n * sizeof(real));
    linear_backward_fast(dg, dw_down, NULL, dout, h, w_down, N, F, C); // dh
    DIFFTX_OMP_FOR
    for (size_t i = 0; i < n; i++) {
        const real s = sigmoid(g[i]), dh = dg[i];
        du[i] = dh * g[i] * s;
        dg[i] = dh * u[i] * s * (1 + g[i] * (1 - s));
    }
    linear_backward_fast(dx, dw_gate, NULL, dg, x, w_gate, N, C, F);
    linear_backward_fast(dx, dw_up, NULL, du, x, w_up, N, C, F);
    // TWIN END
}

void relu_ffn_forward_fast(real *out, real *a, real *h, const real *x, const real *w1, const real *b1,
                           const real *w2, const real *b2, int N, int C, int F) {
    linear_forward_fast(a, x, w1, b1, N, C, F);
    const size_t n = (size_t)N * F;
    for (size_t i = 0; i < n; i++) h[i] = a[i] > 0 ? a[i] : 0;
    linear_forward_fast(out, h, w2, b2, N, F, C);
}

void relu_ffn_backward_fast(real *dx, real *dw1, real *db1, real *dw2, real *db2, real *scratch, const real *dout,
                            const real *x, const real *a, const real *h, const real *w1, const real *w2, int N,
                            int C, int F) {
    // TWIN BEGIN 07 relu_ffn_backward -> relu_ffn_backward(dx, dw1, db1, dw2, db2, scratch, dout, x, a, h, w1, w2, N, C, F);
    const size_t n = (size_t)N * F;
    real *da = scratch;
    memset(da, 0, n * sizeof(real));
    linear_backward_fast(da, dw2, db2, dout, h, w2, N, F, C); // dh
    for (size_t i = 0; i < n; i++) da[i] = a[i] > 0 ? da[i] : 0;
    linear_backward_fast(dx, dw1, db1, da, x, w1, N, C, F);
    // TWIN END
}
