// diffattn_fast.c — differential attention (diffattn.c) with the
// transposed-keys rows of attention_fast.c (no horizontal sums): K1 and K2 of
// each head are transposed in forward, V (2d wide) in backward. The norm and
// lambda parts are diffattn.c's own.
#include "layers/fast/diffattn_fast.h"

#include <math.h>

#include "layers/attention.h"
#include "layers/diffattn.h"
#include "layers/fast/attention_fast.h"

void diffattn_forward_fast(real *out, DiffSaved sv, real *kt, const real *q, const real *k, const real *v,
                           DiffWeights w, AttnShape sh) {
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d, Hd = H / 2, W = 2 * d;
    real *att1 = sv.att1, *att2 = sv.att2, *o = sv.o;
    const real scale = (real)(1.0 / sqrt((double)d));
    const real lambda = (real)diffattn_lambda(LAMBDA_VECTORS(w.lambda, d), d, w.lambda_init);
    DIFFTX_OMP_FOR
    for (int bh = 0; bh < B * Hd; bh++) {
        int b = bh / Hd, h = bh % Hd;
        size_t base = (size_t)b * T * C + (size_t)h * W;
        real *kt1 = kt + (size_t)bh * W * head_ld(T), *kt2 = kt1 + (size_t)d * head_ld(T);
        head_transpose(kt1, k + base, C, T, d);
        head_transpose(kt2, k + base + d, C, T, d);
        for (int t = 0; t < T; t++) {
            real *a1 = att1 + ((size_t)bh * T + t) * T;
            real *a2 = att2 + ((size_t)bh * T + t) * T;
            causal_row_dots_t(a1, q + base + (size_t)t * C, kt1, t, T, d, scale);
            causal_softmax_inplace(a1, t, T);
            causal_row_dots_t(a2, q + base + d + (size_t)t * C, kt2, t, T, d, scale);
            causal_softmax_inplace(a2, t, T);
            real *ot = o + base + (size_t)t * C;
            for (int j = 0; j < W; j++) ot[j] = 0;
            for (int s = 0; s <= t; s++) {
                real a = a1[s] - lambda * a2[s];
                const real *vs = v + base + (size_t)s * C;
#pragma omp simd
                for (int j = 0; j < W; j++) ot[j] += a * vs[j];
            }
        }
    }
    headwise_norm_forward(out, sv.rstd, o, w.subln_w, w.lambda_init, B * T * Hd, W, w.eps);
}

void diffattn_backward_fast(real *dq, real *dk, real *dv, DiffGrads dw, DiffScratch sc, const real *dout,
                            const real *q, const real *k, const real *v, DiffSaved sv, DiffWeights w, AttnShape sh) {
    // TWIN BEGIN 12 diffattn_maps_backward -> diffattn_backward(dq, dk, dv, dw, sc, dout, q, k, v, sv, w, sh);
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d, Hd = H / 2, W = 2 * d, rows = B * T * Hd;
    const real *att1 = sv.att1, *att2 = sv.att2;
    const real scale = (real)(1.0 / sqrt((double)d));
    const real lambda = (real)diffattn_lambda(LAMBDA_VECTORS(w.lambda, d), d, w.lambda_init);
    headwise_norm_backward(sc.o, sc.out, dw.dsubln_w, dout, sv.o, w.subln_w, sv.rstd, w.lambda_init, rows, W);
    const real *g = sc.o;
    // dlambda is summed per chunk of heads and then over the chunks in order,
    // so it is the same for any number of threads.
    enum { MAX_CHUNKS = 256 };
    double part[MAX_CHUNKS];
    const int nbh = B * Hd, per = nbh / MAX_CHUNKS + 1, n_chunks = (nbh + per - 1) / per;
    DIFFTX_OMP_FOR
    for (int ci = 0; ci < n_chunks; ci++) {
        double dl_chunk = 0;
        for (int bh = ci * per; bh < nbh && bh < (ci + 1) * per; bh++) {
            int b = bh / Hd, h = bh % Hd;
            size_t base = (size_t)b * T * C + (size_t)h * W;
            real *vtb = sc.kvt + (size_t)bh * W * head_ld(T);
            head_transpose(vtb, v + base, C, T, W);
            for (int t = 0; t < T; t++) {
                const real *a1 = att1 + ((size_t)bh * T + t) * T;
                const real *a2 = att2 + ((size_t)bh * T + t) * T;
                real *p = sc.att + ((size_t)bh * T + t) * T;
                const real *gt = g + base + (size_t)t * C;
                causal_row_dots_t(p, gt, vtb, t, T, W, 1); // p[s] = <g_t, V_s>
                double dl = 0;
                for (int s = 0; s <= t; s++) {
                    real *dvs = dv + base + (size_t)s * C;
                    real a = a1[s] - lambda * a2[s];
#pragma omp simd
                    for (int j = 0; j < W; j++) dvs[j] += a * gt[j];
                    dl -= (double)a2[s] * p[s];
                }
                dl_chunk += dl;
                causal_softmax_row_backward(dq + base + (size_t)t * C, dk + base, p, a1, q + base + (size_t)t * C,
                                            k + base, C, t, d, scale);
                for (int s = 0; s <= t; s++) p[s] *= -lambda;
                causal_softmax_row_backward(dq + base + d + (size_t)t * C, dk + base + d, p, a2,
                                            q + base + d + (size_t)t * C, k + base + d, C, t, d, scale);
            }
        }
        part[ci] = dl_chunk;
    }
    double dlambda = 0;
    for (int ci = 0; ci < n_chunks; ci++) dlambda += part[ci];
    lambda_vectors_backward(LAMBDA_VECTORS(dw.dlambda, d), dlambda, LAMBDA_VECTORS(w.lambda, d), d);
    // TWIN END
}
