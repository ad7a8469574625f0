// test_layers.c — known values and properties of the layers: the sinusoidal
// table, lambda_init, rotary invariances, softmax rows, the causal mask,
// AdamW against hand-worked numbers, and tiled kernels against reference loops.
#include <stdlib.h>
#include <string.h>

#include "fastexp.h"
#include "layers/attention.h"
#include "layers/diffattn.h"
#include "layers/fast/attention_fast.h"
#include "layers/fast/diffattn_fast.h"
#include "layers/fast/ffn_fast.h"
#include "layers/fast/linear_fast.h"
#include "layers/ffn.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "layers/positions.h"
#include "optim.h"
#include "rng.h"
#include "test_util.h"

#ifdef DIFFTX_DOUBLE
#define EPS 1e-12
#else
#define EPS 1e-5
#endif

static real *randn_buf(Rng *r, size_t n, double std) {
    real *x = malloc(n * sizeof(real));
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) x[i] = (real)(std * rng_normal(r));
    return x;
}

static void test_sinusoidal_table(void **state) {
    (void)state;
    const int C = 8;
    assert_close(sinusoidal_value(0, 0, C), 0.0, 1e-15);
    assert_close(sinusoidal_value(0, 1, C), 1.0, 1e-15);
    assert_close(sinusoidal_value(1, 0, C), 0.8414709848078965, 1e-15); // sin(1)
    assert_close(sinusoidal_value(1, 1, C), 0.5403023058681398, 1e-15); // cos(1)
    // p = 3, pair i = 1: angle 3 / 10000^(2/8) = 3 / 10 = 0.3
    assert_close(sinusoidal_value(3, 2, C), 0.29552020666133955, 1e-15);
    assert_close(sinusoidal_value(3, 3, C), 0.955336489125606, 1e-15);
    // the table is added to x
    real x[2 * 3 * 8] = {0};
    sinusoidal_forward(x, 2, 3, C);
    assert_close(x[(1 * 3 + 2) * C + 5], sinusoidal_value(2, 5, C), EPS);
}

static void test_lambda_init_schedule(void **state) {
    (void)state;
    const double want[6] = {0.2000, 0.3555, 0.4707, 0.5561, 0.6193, 0.6661};
    for (int l = 0; l < 6; l++) assert_close(lambda_init_at(l), want[l], 5e-5);
}

static void test_rope_keeps_norms(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 7);
    const int B = 2, T = 9, H = 3, d = 8, n = B * T * H * d;
    real *x = randn_buf(&r, n, 1), *y = randn_buf(&r, n, 1);
    rope_forward(y, x, B, T, H, d, 10000.0);
    for (int v = 0; v < B * T * H; v++) {
        double nx = 0, ny = 0;
        for (int i = 0; i < d; i++) nx += x[v * d + i] * x[v * d + i], ny += y[v * d + i] * y[v * d + i];
        assert_close(sqrt(ny), sqrt(nx), 10 * EPS);
    }
    free(x), free(y);
}

// <R_p q, R_s k> depends only on p - s: place the same q and k at every
// position, rotate, and compare scores along each diagonal.
static void test_rope_relative(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 8);
    const int T = 12, d = 16;
    real *q0 = randn_buf(&r, d, 1), *k0 = randn_buf(&r, d, 1);
    real *qs = malloc(T * d * sizeof(real)), *ks = malloc(T * d * sizeof(real));
    real *qr = malloc(T * d * sizeof(real)), *kr = malloc(T * d * sizeof(real));
    for (int t = 0; t < T; t++) memcpy(qs + t * d, q0, d * sizeof(real)), memcpy(ks + t * d, k0, d * sizeof(real));
    rope_forward(qr, qs, 1, T, 1, d, 10000.0);
    rope_forward(kr, ks, 1, T, 1, d, 10000.0);
    for (int off = -3; off <= 3; off++) {
        double first = NAN;
        for (int p = 0; p < T; p++) {
            int s = p - off;
            if (s < 0 || s >= T) continue;
            double dot = 0;
            for (int i = 0; i < d; i++) dot += qr[p * d + i] * kr[s * d + i];
            if (isnan(first)) first = dot;
            assert_close(dot, first, 100 * EPS);
        }
    }
    // and it does change with the offset
    double d0 = 0, d1 = 0;
    for (int i = 0; i < d; i++) d0 += qr[i] * kr[i], d1 += qr[d + i] * kr[i];
    assert_true(fabs(d0 - d1) > 1e-3);
    free(q0), free(k0), free(qs), free(ks), free(qr), free(kr);
}

static void test_softmax_rows_sum_to_one(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 9);
    const int N = 6, V = 13;
    real *z = randn_buf(&r, N * V, 5), *p = malloc(N * V * sizeof(real));
    z[3] = 1000; // large logits must not overflow
    softmax_forward(p, z, N, V);
    for (int n = 0; n < N; n++) {
        double s = 0;
        for (int j = 0; j < V; j++) s += p[n * V + j], assert_true(p[n * V + j] >= 0);
        assert_close(s, 1.0, 10 * EPS);
    }
    free(z), free(p);
}

// Attention rows sum to 1 over s <= t, future positions get zero weight, and
// a gradient arriving only at rows <= t0 reaches no key or value after t0.
static void check_causal(int diff) {
    Rng r;
    rng_seed(&r, 10 + diff);
    const int B = 2, T = 7, H = 4, d = 4, C = H * d, n = B * T * C, Hm = diff ? H / 2 : H;
    const int na = B * Hm * T * T;
    real *q = randn_buf(&r, n, 1), *k = randn_buf(&r, n, 1), *v = randn_buf(&r, n, 1);
    real *lam = randn_buf(&r, 4 * d, 0.5), *w = randn_buf(&r, 2 * d, 1);
    real *out = calloc(n, sizeof(real)), *o = calloc(n, sizeof(real)), *dout = calloc(n, sizeof(real));
    real *a1 = calloc(na, sizeof(real)), *a2 = calloc(na, sizeof(real)), *sa = calloc(na, sizeof(real));
    real *rstd = calloc(B * T * H, sizeof(real)), *s1 = calloc(n, sizeof(real)), *s2 = calloc(n, sizeof(real));
    real *dq = calloc(n, sizeof(real)), *dk = calloc(n, sizeof(real)), *dv = calloc(n, sizeof(real));
    real *dl = calloc(4 * d, sizeof(real)), *dw = calloc(2 * d, sizeof(real));
    double li = lambda_init_at(1);
    if (diff)
        diffattn_forward(out, (DiffSaved){a1, a2, o, rstd}, q, k, v, (DiffWeights){lam, w, li, (real)1e-5},
                         (AttnShape){B, T, H, d});
    else
        attention_forward(out, a1, q, k, v, (AttnShape){B, T, H, d});
    for (int m = 0; m < B * Hm; m++)
        for (int t = 0; t < T; t++) {
            double s = 0;
            for (int j = 0; j < T; j++) {
                real a = a1[(m * T + t) * T + j];
                if (j > t) assert_true(a == 0);
                s += a;
                if (diff) assert_true(j <= t || a2[(m * T + t) * T + j] == 0);
            }
            assert_close(s, 1.0, 10 * EPS);
        }
    const int t0 = 3;
    for (int b = 0; b < B; b++)
        for (int t = 0; t <= t0; t++)
            for (int c = 0; c < C; c++) dout[(b * T + t) * C + c] = (real)rng_normal(&r);
    if (diff)
        diffattn_backward(dq, dk, dv, (DiffGrads){dl, dw}, (DiffScratch){s1, s2, sa, NULL}, dout, q, k, v,
                          (DiffSaved){a1, a2, o, rstd}, (DiffWeights){lam, w, li, (real)1e-5}, (AttnShape){B, T, H, d});
    else
        attention_backward(dq, dk, dv, sa, dout, q, k, v, a1, (AttnShape){B, T, H, d});
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++) {
                size_t i = (size_t)(b * T + t) * C + c;
                if (t > t0) assert_true(dq[i] == 0 && dk[i] == 0 && dv[i] == 0);
            }
    double nonzero = 0;
    for (int i = 0; i < n; i++) nonzero += fabs(dk[i]);
    assert_true(nonzero > 0);
    free(q), free(k), free(v), free(lam), free(w), free(out), free(o), free(dout), free(a1), free(a2), free(sa);
    free(rstd), free(s1), free(s2), free(dq), free(dk), free(dv), free(dl), free(dw);
}
static void test_causal_attention(void **state) {
    (void)state;
    check_causal(0);
}
static void test_causal_diffattn(void **state) {
    (void)state;
    check_causal(1);
}

// Two AdamW steps worked by hand: lr 0.1, betas (0.9, 0.99), eps 1e-8, wd 0.1.
// step 1, g = 0.5:   p = 1 (1 - 0.01) = 0.99; m = 0.05, v = 0.0025;
//                    mhat = 0.05/0.1 = 0.5, vhat = 0.0025/0.01 = 0.25;
//                    p = 0.99 - 0.1 * 0.5/0.5 = 0.89 (+ 2e-9 from eps)
// step 2, g = -0.25: p = 0.89 * 0.99 = 0.8811; m = 0.045 - 0.025 = 0.02;
//                    v = 0.002475 + 0.000625 = 0.0031; mhat = 0.02/0.19,
//                    vhat = 0.0031/0.0199; p = 0.8811 - 0.1 * 0.105263/0.394689
//                    = 0.85443006
static void test_adamw_by_hand(void **state) {
    (void)state;
    AdamWConfig cfg = {.lr = 0.1, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.1};
    real p[2] = {1, 1}, m[2] = {0}, v[2] = {0};
    real g1[2] = {0.5f, 0.5f}, g2[2] = {-0.25f, -0.25f};
    adamw_update(p, g1, m, v, 1, &cfg, 1, 1);
    adamw_update(p + 1, g1, m + 1, v + 1, 1, &cfg, 1, 0);
    assert_close(p[0], 0.89, 1e-6);
    assert_close(p[1], 0.90, 1e-6); // no decay: 1 - 0.1
    assert_close(m[0], 0.05, 1e-7);
    assert_close(v[0], 0.0025, 1e-8);
    adamw_update(p, g2, m, v, 1, &cfg, 2, 1);
    assert_close(p[0], 0.8544300597, 1e-6);
    assert_close(m[0], 0.02, 1e-7);
    assert_close(v[0], 0.0031, 1e-8);
}

static void test_lr_schedule(void **state) {
    (void)state;
    assert_close(lr_schedule(0, 100, 2000, 1e-3, 1e-4), 1e-3 / 101, 1e-12);
    assert_close(lr_schedule(99, 100, 2000, 1e-3, 1e-4), 1e-3 * 100 / 101, 1e-12);
    assert_close(lr_schedule(100, 100, 2000, 1e-3, 1e-4), 1e-3, 1e-12);
    assert_close(lr_schedule(1050, 100, 2000, 1e-3, 1e-4), 0.55e-3, 1e-12); // half way: the mean
    assert_close(lr_schedule(2000, 100, 2000, 1e-3, 1e-4), 1e-4, 1e-12);
}

static void test_clip(void **state) {
    (void)state;
    real g[2] = {3, 4};
    double n = grad_global_norm(g, 2);
    assert_close(n, 5, 1e-6);
    clip_grad_norm(g, 2, n, 1.0);
    assert_close(grad_global_norm(g, 2), 1.0, 1e-5);
    real h[2] = {0.3f, 0.4f};
    assert_close(clip_grad_norm(h, 2, 0.5, 1.0), 1.0, 0);
    assert_close(h[0], 0.3f, 0);
}

// The tiled matmuls equal the reference loops on shapes that are not multiples
// of the tiles (including one row), with one thread and with several.
static void test_linear_fast_matches_reference(void **state) {
    (void)state;
    const int shapes[][3] = {{1, 5, 3}, {7, 37, 35}, {33, 64, 96}, {5, 128, 33}, {64, 33, 130}};
    Rng r;
    rng_seed(&r, 11);
    for (int threads = 1; threads <= 3; threads += 2) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
            int N = shapes[si][0], C = shapes[si][1], OC = shapes[si][2];
            real *x = randn_buf(&r, (size_t)N * C, 1), *w = randn_buf(&r, (size_t)OC * C, 1);
            real *b = randn_buf(&r, OC, 1), *g = randn_buf(&r, (size_t)N * OC, 1);
            real *y1 = calloc((size_t)N * OC, sizeof(real)), *y2 = calloc((size_t)N * OC, sizeof(real));
            real *dx1 = randn_buf(&r, (size_t)N * C, 1), *dx2 = malloc((size_t)N * C * sizeof(real));
            real *dw1 = randn_buf(&r, (size_t)OC * C, 1), *dw2 = malloc((size_t)OC * C * sizeof(real));
            real *db1 = randn_buf(&r, OC, 1), *db2 = malloc(OC * sizeof(real));
            memcpy(dx2, dx1, (size_t)N * C * sizeof(real)); // both accumulate onto the same start
            memcpy(dw2, dw1, (size_t)OC * C * sizeof(real));
            memcpy(db2, db1, OC * sizeof(real));
            linear_forward_fast(y1, x, w, b, N, C, OC);
            linear_forward(y2, x, w, b, N, C, OC);
            linear_backward_fast(dx1, dw1, db1, g, x, w, N, C, OC);
            linear_backward(dx2, dw2, db2, g, x, w, N, C, OC);
            double tol = 50 * EPS * sqrt((double)(C > N ? C : N));
            for (int i = 0; i < N * OC; i++) assert_close(y1[i], y2[i], tol);
            for (int i = 0; i < N * C; i++) assert_close(dx1[i], dx2[i], tol);
            for (int i = 0; i < OC * C; i++) assert_close(dw1[i], dw2[i], tol);
            for (int i = 0; i < OC; i++) assert_close(db1[i], db2[i], tol);
            free(x), free(w), free(b), free(g), free(y1), free(y2), free(dx1), free(dx2), free(dw1), free(dw2);
            free(db1), free(db2);
        }
    }
}

// Copies n values into a fresh buffer (both paths accumulate onto the same start).
static real *dup_buf(const real *x, size_t n) {
    real *y = malloc(n * sizeof(real));
    memcpy(y, x, n * sizeof(real));
    return y;
}
static void assert_all_close(const real *a, const real *b, size_t n, double tol, const char *what) {
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)a[i] - (double)b[i]) <= tol * (1 + fabs((double)b[i]))))
            fail_msg("%s[%zu]: fast %.9g vs reference %.9g", what, i, (double)a[i], (double)b[i]);
}

// The transposed-keys attention (forward and backward, standard and
// differential) against the row-by-row reference: T = 1, T and d not
// multiples of the score chunk, T across a chunk boundary; 1 and 3 threads.
static void test_attention_fast_matches_reference(void **state) {
    (void)state;
    const int shapes[][4] = {{2, 1, 2, 4}, {1, 7, 4, 3}, {3, 33, 2, 5}, {2, 64, 4, 32}, {1, 65, 2, 16}}; // B T H d
    Rng r;
    rng_seed(&r, 23);
    const double tol = 100 * EPS;
    for (int threads = 1; threads <= 3; threads += 2) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
            const int B = shapes[si][0], T = shapes[si][1], H = shapes[si][2], d = shapes[si][3], C = H * d;
            const size_t n = (size_t)B * T * C, na = (size_t)B * H * T * T, ns = (size_t)B * C * head_ld(T);
            real *q = randn_buf(&r, n, 1), *k = randn_buf(&r, n, 1), *v = randn_buf(&r, n, 1);
            real *g = randn_buf(&r, n, 1), *scratch = malloc(ns * sizeof(real));
            real *lam = randn_buf(&r, 4 * (size_t)d, 0.3), *w = randn_buf(&r, 2 * (size_t)d, 1); // [4,d]
            for (int diff = 0; diff < 2; diff++) {
                real *out[2], *att[2], *att2[2], *o[2], *rstd[2], *dq[2], *dk[2], *dv[2], *dl[2], *dw[2];
                real *dq0 = randn_buf(&r, n, 1), *dk0 = randn_buf(&r, n, 1), *dv0 = randn_buf(&r, n, 1);
                real *dl0 = randn_buf(&r, 4 * (size_t)d, 1), *dw0 = randn_buf(&r, 2 * (size_t)d, 1);
                real *s1 = malloc(n * sizeof(real)), *s2 = malloc(n * sizeof(real)), *sa = malloc(na * sizeof(real));
                for (int f = 0; f < 2; f++) {
                    out[f] = calloc(n, sizeof(real)), att[f] = calloc(na, sizeof(real));
                    att2[f] = calloc(na, sizeof(real)), o[f] = calloc(n, sizeof(real));
                    rstd[f] = calloc((size_t)B * T * H, sizeof(real));
                    dq[f] = dup_buf(dq0, n), dk[f] = dup_buf(dk0, n), dv[f] = dup_buf(dv0, n);
                    dl[f] = dup_buf(dl0, 4 * (size_t)d);
                    dw[f] = dup_buf(dw0, 2 * (size_t)d);
                }
                const AttnShape sh = {B, T, H, d};
                if (!diff) {
                    attention_forward(out[0], att[0], q, k, v, sh);
                    attention_forward_fast(out[1], att[1], scratch, q, k, v, sh);
                    attention_backward(dq[0], dk[0], dv[0], sa, g, q, k, v, att[0], sh);
                    attention_backward_fast(dq[1], dk[1], dv[1], sa, scratch, g, q, k, v, att[1], sh);
                } else {
                    const DiffWeights dwts = {lam, w, lambda_init_at(1), (real)1e-5};
                    for (int f = 0; f < 2; f++) {
                        const DiffSaved sv = {att[f], att2[f], o[f], rstd[f]};
                        const DiffGrads gr = {dl[f], dw[f]};
                        const DiffScratch sc = {s1, s2, sa, scratch};
                        if (f == 0) {
                            diffattn_forward(out[0], sv, q, k, v, dwts, sh);
                            diffattn_backward(dq[0], dk[0], dv[0], gr, sc, g, q, k, v, sv, dwts, sh);
                        } else {
                            diffattn_forward_fast(out[1], sv, scratch, q, k, v, dwts, sh);
                            diffattn_backward_fast(dq[1], dk[1], dv[1], gr, sc, g, q, k, v, sv, dwts, sh);
                        }
                    }
                    assert_all_close(att2[1], att2[0], na / 2, tol, "att2");
                    assert_all_close(dl[1], dl[0], 4 * (size_t)d, tol, "dlambda");
                    assert_all_close(dw[1], dw[0], 2 * (size_t)d, tol, "dsubln_w");
                }
                assert_all_close(out[1], out[0], n, tol, "out");
                assert_all_close(att[1], att[0], diff ? na / 2 : na, tol, "att");
                assert_all_close(dq[1], dq[0], n, tol, "dq");
                assert_all_close(dk[1], dk[0], n, tol, "dk");
                assert_all_close(dv[1], dv[0], n, tol, "dv");
                for (int f = 0; f < 2; f++) {
                    free(out[f]), free(att[f]), free(att2[f]), free(o[f]), free(rstd[f]);
                    free(dq[f]), free(dk[f]), free(dv[f]), free(dw[f]);
                    free(dl[f]);
                }
                free(dq0), free(dk0), free(dv0), free(dl0), free(dw0), free(s1), free(s2), free(sa);
            }
            free(q), free(k), free(v), free(g), free(scratch), free(w);
            free(lam);
        }
    }
}

// The feed-forward twins (tiled products) equal the teaching ones, SwiGLU and
// ReLU, on odd shapes, with one thread and with three: outputs, saved values
// and every gradient, accumulated onto the same random start.
static void test_ffn_fast_matches_reference(void **state) {
    (void)state;
    const int shapes[][3] = {{1, 5, 3}, {7, 13, 37}, {12, 32, 96}}; // N, C, F
    Rng r;
    rng_seed(&r, 31);
    for (int threads = 1; threads <= 3; threads += 2) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
            const int N = shapes[si][0], C = shapes[si][1], F = shapes[si][2];
            const size_t nx = (size_t)N * C, nh = (size_t)N * F, nw = (size_t)F * C;
            const double tol = 50 * EPS * sqrt((double)(C > F ? C : F));
            real *x = randn_buf(&r, nx, 1), *dout = randn_buf(&r, nx, 1), *s1 = malloc(nh * sizeof(real));
            real *s2 = malloc(nh * sizeof(real)), *wt[4], *dx0 = randn_buf(&r, nx, 1), *dw0[4], *sv[2][3], *out[2];
            real *dx[2], *dw[2][4];
            const size_t wn[4] = {nw, nw, nw, (size_t)F}; // w_gate/w1, w_up/w2, w_down, b1 (b2 uses C <= nw)
            for (int i = 0; i < 4; i++) wt[i] = randn_buf(&r, wn[i], 0.3), dw0[i] = randn_buf(&r, wn[i], 1);
            real *b2 = randn_buf(&r, C, 0.3), *db20 = randn_buf(&r, C, 1), *db2[2];
            for (int relu = 0; relu < 2; relu++) {
                for (int f = 0; f < 2; f++) {
                    out[f] = calloc(nx, sizeof(real)), dx[f] = dup_buf(dx0, nx), db2[f] = dup_buf(db20, C);
                    for (int i = 0; i < 3; i++) sv[f][i] = calloc(nh, sizeof(real));
                    for (int i = 0; i < 4; i++) dw[f][i] = dup_buf(dw0[i], wn[i]);
                }
                for (int f = 0; f < 2; f++) {
                    if (!relu) {
                        const SwigluSaved s = {sv[f][0], sv[f][1], sv[f][2]};
                        const SwigluWeights w = {wt[0], wt[1], wt[2]};
                        const SwigluGrads g = {dw[f][0], dw[f][1], dw[f][2]};
                        (f ? swiglu_forward_fast : swiglu_forward)(out[f], s, x, w, N, C, F);
                        (f ? swiglu_backward_fast : swiglu_backward)(dx[f], g, s1, s2, dout, x, s, w, N, C, F);
                    } else {
                        const ReluSaved s = {sv[f][0], sv[f][1]};
                        const ReluWeights w = {wt[0], wt[3], wt[1], b2};
                        const ReluGrads g = {dw[f][0], dw[f][3], dw[f][1], db2[f]};
                        (f ? relu_ffn_forward_fast : relu_ffn_forward)(out[f], s, x, w, N, C, F);
                        (f ? relu_ffn_backward_fast : relu_ffn_backward)(dx[f], g, s1, dout, x, s, w, N, C, F);
                    }
                }
                assert_all_close(out[1], out[0], nx, tol, "out");
                for (int i = 0; i < 3; i++) assert_all_close(sv[1][i], sv[0][i], nh, tol, "saved");
                assert_all_close(dx[1], dx[0], nx, tol, "dx");
                for (int i = 0; i < 4; i++) assert_all_close(dw[1][i], dw[0][i], wn[i], tol, "dw");
                assert_all_close(db2[1], db2[0], C, tol, "db2");
                for (int f = 0; f < 2; f++) {
                    free(out[f]), free(dx[f]), free(db2[f]);
                    for (int i = 0; i < 3; i++) free(sv[f][i]);
                    for (int i = 0; i < 4; i++) free(dw[f][i]);
                }
            }
            free(x), free(dout), free(s1), free(s2), free(dx0), free(b2), free(db20);
            for (int i = 0; i < 4; i++) free(wt[i]), free(dw0[i]);
        }
    }
}

// exp_fast (the float build's exp) against libm's expf: within 2 ulp over
// the whole normal range, sampled at every 2049th float, and the edges exact.
static int32_t float_bits(float x) {
    int32_t i;
    memcpy(&i, &x, sizeof i);
    return i;
}
static void test_exp_fast(void **state) {
    (void)state;
    long n = 0, worst = 0;
    float at = 0;
    for (int32_t i = float_bits(-87.0f); i >= 0; i -= 2049) { // negative floats: bits fall toward 0
        float x;
        memcpy(&x, &i, sizeof x);
        long u = labs((long)float_bits(exp_fast(x)) - float_bits(expf(x)));
        if (u > worst) worst = u, at = x;
        n++;
    }
    for (int32_t i = 0; i <= float_bits(88.7f); i += 2049) {
        float x;
        memcpy(&x, &i, sizeof x);
        long u = labs((long)float_bits(exp_fast(x)) - float_bits(expf(x)));
        if (u > worst) worst = u, at = x;
        n++;
    }
    print_message("exp_fast: %ld values, worst %ld ulp (at %.9g)\n", n, worst, (double)at);
    assert_true(n > 500000);
    if (worst > 2) fail_msg("exp_fast is %ld ulp from expf at x = %.9g", worst, (double)at);
    assert_true(exp_fast(0.0f) == 1.0f);
    assert_true(exp_fast(-90.0f) == 0.0f);
    assert_true(exp_fast(-1e30f) == 0.0f);
    assert_true(isinf(exp_fast(89.0f)) && exp_fast(89.0f) > 0);
    assert_true(isnan(exp_fast(NAN)));
    assert_true(exp_fast(-INFINITY) == 0.0f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sinusoidal_table),   cmocka_unit_test(test_lambda_init_schedule),
        cmocka_unit_test(test_rope_keeps_norms),   cmocka_unit_test(test_rope_relative),
        cmocka_unit_test(test_softmax_rows_sum_to_one), cmocka_unit_test(test_causal_attention),
        cmocka_unit_test(test_causal_diffattn),    cmocka_unit_test(test_adamw_by_hand),
        cmocka_unit_test(test_lr_schedule),        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_linear_fast_matches_reference),
        cmocka_unit_test(test_exp_fast),
        cmocka_unit_test(test_attention_fast_matches_reference),
        cmocka_unit_test(test_ffn_fast_matches_reference),
    };
    return cmocka_run_group_tests_name("layers (" REAL_NAME ")", tests, NULL, NULL);
}
