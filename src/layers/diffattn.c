// diffattn.c — differential attention (Ye et al., "Differential Transformer").
//
// Per differential head, with the causal softmax of attention.c:
//   A1 = softmax(Q1 K1^T / sqrt(d)),  A2 = softmax(Q2 K2^T / sqrt(d))
//   o  = (A1 - lambda A2) V                         (2d wide)
//   out = rmsnorm(o; w) * (1 - lambda_init)
// Noise that both maps put on irrelevant tokens cancels in the difference.
// fast/diffattn_fast.c computes the same maps with transposed keys; the norm
// and lambda functions here serve both.
//
// lambda is reparameterised through exponentials so it can move freely
// around lambda_init while staying smooth to learn:
//   lambda = exp(lq1.lk1) - exp(lq2.lk2) + lambda_init
//   dlambda/dlq1 =  exp(lq1.lk1) lk1,  dlambda/dlk1 =  exp(lq1.lk1) lq1
//   dlambda/dlq2 = -exp(lq2.lk2) lk2,  dlambda/dlk2 = -exp(lq2.lk2) lq2
//
// Backward, given g = dL/do (after the norm's backward), for row t:
//   p_s     = <g_t, V_s>                 the gradient reaching (A1 - lambda A2)[t,s]
//   dV_s   += (A1 - lambda A2)[t,s] g_t
//   dL/dA1  = p,  dL/dA2 = -lambda p,  dL/dlambda += -sum_s A2[t,s] p_s
// and each map then goes through the ordinary softmax backward.
#include "layers/diffattn.h"

#include <math.h>
#include <string.h>

#include "layers/attention.h"
#include "layers/norm.h"

double lambda_init_at(int layer) { return 0.8 - 0.6 * exp(-0.3 * layer); }

static double dot(const real *a, const real *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

double diffattn_lambda(const real *lq1, const real *lk1, const real *lq2, const real *lk2, int d,
                       double lambda_init) {
    return exp(dot(lq1, lk1, d)) - exp(dot(lq2, lk2, d)) + lambda_init;
}

// out = rmsnorm(o per 2d-wide head) * (1 - lambda_init), or o * (1 - lambda_init)
// without the norm (the ablation). rows = B*T*H/2 heads of width W = 2d.
void headwise_norm_forward(real *out, real *rstd, const real *o, const real *subln_w, double lambda_init,
                           int rows, int W, real eps) {
    const real post = (real)(1.0 - lambda_init);
    const size_t n = (size_t)rows * W;
    if (!subln_w) { // the "no headwise norm" ablation
        for (size_t i = 0; i < n; i++) out[i] = o[i] * post;
        return;
    }
    rmsnorm_forward(out, rstd, o, subln_w, rows, W, eps);
    for (size_t i = 0; i < n; i++) out[i] *= post;
}

void diffattn_forward(real *out, DiffSaved sv, const real *q, const real *k, const real *v, DiffWeights w,
                      AttnShape sh) {
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d, Hd = H / 2, W = 2 * d;
    real *att1 = sv.att1, *att2 = sv.att2, *o = sv.o;
    const real scale = (real)(1.0 / sqrt((double)d));
    const real lambda = (real)diffattn_lambda(LAMBDA_VECTORS(w.lambda, d), d, w.lambda_init);
    DIFFTX_OMP_FOR
    for (int bh = 0; bh < B * Hd; bh++) {
        int b = bh / Hd, h = bh % Hd;
        size_t base = (size_t)b * T * C + (size_t)h * W; // Q1/K1/V start; Q2/K2 start at base + d
        for (int t = 0; t < T; t++) {
            real *a1 = att1 + ((size_t)bh * T + t) * T;
            real *a2 = att2 + ((size_t)bh * T + t) * T;
            causal_softmax_row_forward(a1, q + base + (size_t)t * C, k + base, C, t, T, d, scale);
            causal_softmax_row_forward(a2, q + base + d + (size_t)t * C, k + base + d, C, t, T, d, scale);
            real *ot = o + base + (size_t)t * C;
            for (int j = 0; j < W; j++) ot[j] = 0;
            for (int s = 0; s <= t; s++) {
                real a = a1[s] - lambda * a2[s];
                const real *vs = v + base + (size_t)s * C;
                for (int j = 0; j < W; j++) ot[j] += a * vs[j];
            }
        }
    }
    headwise_norm_forward(out, sv.rstd, o, w.subln_w, w.lambda_init, B * T * Hd, W, w.eps);
}

// sc_o = dL/do from dout, through the (1 - lambda_init) scale and the norm.
void headwise_norm_backward(real *sc_o, real *sc_out, real *dsubln_w, const real *dout, const real *o,
                                   const real *subln_w, const real *rstd, double lambda_init, int rows, int W) {
    const size_t n = (size_t)rows * W;
    if (!subln_w) { // the "no headwise norm" ablation: only the scale
        for (size_t i = 0; i < n; i++) sc_o[i] = dout[i] * (real)(1.0 - lambda_init);
        return;
    }
    // EXERCISE BEGIN 14 headwise_norm_backward
    // through the (1 - lambda_init) scale and the headwise RMSNorm
    const real post = (real)(1.0 - lambda_init);
    for (size_t i = 0; i < n; i++) sc_out[i] = dout[i] * post;
    memset(sc_o, 0, n * sizeof(real));
    rmsnorm_backward(sc_o, dsubln_w, sc_out, o, subln_w, rstd, rows, W);
    // EXERCISE END
}

// dlambda (the gradient reaching lambda) into the four vectors.
void lambda_vectors_backward(real *dlq1, real *dlk1, real *dlq2, real *dlk2, double dlambda, const real *lq1,
                                    const real *lk1, const real *lq2, const real *lk2, int d) {
    // EXERCISE BEGIN 13 lambda_vectors_backward
    // through the reparameterisation into the four lambda vectors
    const double e1 = exp(dot(lq1, lk1, d)), e2 = exp(dot(lq2, lk2, d));
    for (int i = 0; i < d; i++) {
        dlq1[i] += (real)(dlambda * e1 * lk1[i]);
        dlk1[i] += (real)(dlambda * e1 * lq1[i]);
        dlq2[i] -= (real)(dlambda * e2 * lk2[i]);
        dlk2[i] -= (real)(dlambda * e2 * lq2[i]);
    }
    // EXERCISE END
}

void diffattn_backward(real *dq, real *dk, real *dv, DiffGrads dw, DiffScratch sc, const real *dout, const real *q,
                       const real *k, const real *v, DiffSaved sv, DiffWeights w, AttnShape sh) {
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d, Hd = H / 2, W = 2 * d, rows = B * T * Hd;
    const real *att1 = sv.att1, *att2 = sv.att2;
    real *sc_att = sc.att;
    const real scale = (real)(1.0 / sqrt((double)d));
    const real lambda = (real)diffattn_lambda(LAMBDA_VECTORS(w.lambda, d), d, w.lambda_init);
    headwise_norm_backward(sc.o, sc.out, dw.dsubln_w, dout, sv.o, w.subln_w, sv.rstd, w.lambda_init, rows, W);
    const real *g = sc.o;

    double dlambda = 0;
    // EXERCISE BEGIN 12 diffattn_maps_backward
    DIFFTX_OMP_FOR_SUM(dlambda)
    for (int bh = 0; bh < B * Hd; bh++) {
        int b = bh / Hd, h = bh % Hd;
        size_t base = (size_t)b * T * C + (size_t)h * W;
        for (int t = 0; t < T; t++) {
            const real *a1 = att1 + ((size_t)bh * T + t) * T;
            const real *a2 = att2 + ((size_t)bh * T + t) * T;
            real *p = sc_att + ((size_t)bh * T + t) * T;
            const real *gt = g + base + (size_t)t * C;
            double dl = 0;
            for (int s = 0; s <= t; s++) {
                const real *vs = v + base + (size_t)s * C;
                real *dvs = dv + base + (size_t)s * C;
                real a = a1[s] - lambda * a2[s], acc = 0;
#pragma omp simd reduction(+ : acc)
                for (int j = 0; j < W; j++) {
                    acc += gt[j] * vs[j];
                    dvs[j] += a * gt[j];
                }
                p[s] = acc;
                dl -= (double)a2[s] * acc;
            }
            dlambda += dl;
            causal_softmax_row_backward(dq + base + (size_t)t * C, dk + base, p, a1, q + base + (size_t)t * C,
                                        k + base, C, t, d, scale);
            for (int s = 0; s <= t; s++) p[s] *= -lambda;
            causal_softmax_row_backward(dq + base + d + (size_t)t * C, dk + base + d, p, a2,
                                        q + base + d + (size_t)t * C, k + base + d, C, t, d, scale);
        }
    }
    // EXERCISE END
    lambda_vectors_backward(LAMBDA_VECTORS(dw.dlambda, d), dlambda, LAMBDA_VECTORS(w.lambda, d), d);
}
