// diffattn_fast.c — differential attention (diffattn.c) with the
// transposed-keys rows of attention_fast.c (no horizontal sums): K1 and K2 of
// each head are transposed in forward, V (2d wide) in backward. The norm and
// lambda parts are diffattn.c's own.
#include "layers/fast/diffattn_fast.h"

#include <math.h>

#include "layers/attention.h"
#include "layers/diffattn.h"
#include "layers/fast/attention_fast.h"

void diffattn_forward_fast(real *out, real *att1, real *att2, real *o, real *rstd, real *kt, const real *q,
                           const real *k, const real *v, const real *lq1, const real *lk1, const real *lq2,
                           const real *lk2, const real *subln_w, double lambda_init, int B, int T, int H, int d,
                           real eps) {
    const int C = H * d, Hd = H / 2, W = 2 * d;
    const real scale = (real)(1.0 / sqrt((double)d));
    const real lambda = (real)diffattn_lambda(lq1, lk1, lq2, lk2, d, lambda_init);
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
    headwise_norm_forward(out, rstd, o, subln_w, lambda_init, B * T * Hd, W, eps);
}

void diffattn_backward_fast(real *dq, real *dk, real *dv, real *dlq1, real *dlk1, real *dlq2, real *dlk2,
                            real *dsubln_w, real *sc_out, real *sc_o, real *sc_att, real *vt, const real *dout,
                            const real *q, const real *k, const real *v, const real *att1, const real *att2,
                            const real *o, const real *rstd, const real *lq1, const real *lk1, const real *lq2,
                            const real *lk2, const real *subln_w, double lambda_init, int B, int T, int H, int d) {
    // TWIN BEGIN 12 diffattn_maps_backward -> diffattn_backward(dq, dk, dv, dlq1, dlk1, dlq2, dlk2, dsubln_w, sc_out, sc_o, sc_att, dout, q, k, v, att1, att2, o, rstd, lq1, lk1, lq2, lk2, subln_w, lambda_init, B, T, H, d); (void)vt;
    const int C = H * d, Hd = H / 2, W = 2 * d, rows = B * T * Hd;
    const real scale = (real)(1.0 / sqrt((double)d));
    const real lambda = (real)diffattn_lambda(lq1, lk1, lq2, lk2, d, lambda_init);
    headwise_norm_backward(sc_o, sc_out, dsubln_w, dout, o, subln_w, rstd, lambda_init, rows, W);
    const real *g = sc_o;
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
            real *vtb = vt + (size_t)bh * W * head_ld(T);
            head_transpose(vtb, v + base, C, T, W);
            for (int t = 0; t < T; t++) {
                const real *a1 = att1 + ((size_t)bh * T + t) * T;
                const real *a2 = att2 + ((size_t)bh * T + t) * T;
                real *p = sc_att + ((size_t)bh * T + t) * T;
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
    lambda_vectors_backward(dlq1, dlk1, dlq2, dlk2, dlambda, lq1, lk1, lq2, lk2, d);
    // TWIN END
}
