// ffn_fast.c — ffn.c's feed-forward networks with the tiled products of
// linear_fast.c. The elementwise gates are ffn.c's loops, parallel because
// each value costs an exp; the derivation is in ffn.c.
#include "layers/fast/ffn_fast.h"

#include <string.h>

#include "layers/fast/linear_fast.h"
#include "layers/ffn.h"

static real sigmoid(real z) { return 1 / (1 + real_exp(-z)); }

void swiglu_forward_fast(real *out, SwigluSaved sv, const real *x, SwigluWeights w, int N, int C, int F) {
    linear_forward_fast(sv.g, x, w.w_gate, NULL, N, C, F);
    linear_forward_fast(sv.u, x, w.w_up, NULL, N, C, F);
    const size_t n = (size_t)N * F;
    DIFFTX_OMP_FOR
    for (size_t i = 0; i < n; i++) sv.h[i] = sv.g[i] * sigmoid(sv.g[i]) * sv.u[i];
    linear_forward_fast(out, sv.h, w.w_down, NULL, N, F, C);
}

void swiglu_backward_fast(real *dx, SwigluGrads dw, real *scratch1, real *scratch2, const real *dout, const real *x,
                          SwigluSaved sv, SwigluWeights w, int N, int C, int F) {
    // TWIN BEGIN 07 swiglu_backward -> swiglu_backward(dx, dw, scratch1, scratch2, dout, x, sv, w, N, C, F);
    const size_t n = (size_t)N * F;
    const real *g = sv.g, *u = sv.u;
    real *dg = scratch1, *du = scratch2;
    memset(dg, 0, n * sizeof(real));
    linear_backward_fast(dg, dw.w_down, NULL, dout, sv.h, w.w_down, N, F, C); // dh
    DIFFTX_OMP_FOR
    for (size_t i = 0; i < n; i++) {
        const real s = sigmoid(g[i]), dh = dg[i];
        du[i] = dh * g[i] * s;
        dg[i] = dh * u[i] * s * (1 + g[i] * (1 - s));
    }
    linear_backward_fast(dx, dw.w_gate, NULL, dg, x, w.w_gate, N, C, F);
    linear_backward_fast(dx, dw.w_up, NULL, du, x, w.w_up, N, C, F);
    // TWIN END
}

void relu_ffn_forward_fast(real *out, ReluSaved sv, const real *x, ReluWeights w, int N, int C, int F) {
    linear_forward_fast(sv.a, x, w.w1, w.b1, N, C, F);
    const size_t n = (size_t)N * F;
    for (size_t i = 0; i < n; i++) sv.h[i] = sv.a[i] > 0 ? sv.a[i] : 0;
    linear_forward_fast(out, sv.h, w.w2, w.b2, N, F, C);
}

void relu_ffn_backward_fast(real *dx, ReluGrads dw, real *scratch, const real *dout, const real *x, ReluSaved sv,
                            ReluWeights w, int N, int C, int F) {
    // TWIN BEGIN 07 relu_ffn_backward -> relu_ffn_backward(dx, dw, scratch, dout, x, sv, w, N, C, F);
    const size_t n = (size_t)N * F;
    real *da = scratch;
    memset(da, 0, n * sizeof(real));
    linear_backward_fast(da, dw.w2, dw.b2, dout, sv.h, w.w2, N, F, C); // dh
    for (size_t i = 0; i < n; i++) da[i] = sv.a[i] > 0 ? da[i] : 0;
    linear_backward_fast(dx, dw.w1, dw.b1, da, x, w.w1, N, C, F);
    // TWIN END
}
