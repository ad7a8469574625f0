// grade.c — the checks behind `make lesson N=..` and `make grade N=..`.
//
//   grade CHECK...     run each named check, print one line per check:
//                      name|PASS or FAIL|worst rel|values checked|where|yours|expected
//
// A check is either a layer of the gradient-check registry (src/gradcheck_layers.c:
// linear, rmsnorm, attention, ...), run on every shape, or one of the checks
// below, for functions the registry does not cover on their own. Gradients are
// always judged against centred differences; the few plain functions (a
// schedule, an optimiser step, a formula) against the formula written out in
// double. Built twice, like bin/difftx: in double (the precise verdict) and in
// float (the precision training uses). lessons/tools/grade.sh formats the lines.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "layers/attention.h"
#include "layers/diffattn.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "optim.h"
#include "rng.h"

typedef struct {
    const char *name;
    int (*run)(GcResult *r, char *where, size_t wlen); // 0 ran, -1 could not run
} Check;

static void set_where(char *where, size_t wlen, const GcResult *r) {
    snprintf(where, wlen, "%s[%zu]", r->worst_tensor, r->worst_index);
}

// Keeps the worst of many comparisons of a value against what it should be.
static void compare(GcResult *r, double got, double want, const char *what, size_t index) {
    double rel = gc_rel_error(got, want);
    if (isnan(rel)) rel = INFINITY;
    if (rel > r->worst || r->checked == 0) {
        r->worst = rel, r->worst_tensor = what, r->worst_index = index;
        r->worst_analytic = got, r->worst_numeric = want;
    }
    r->checked++;
}

static real *randn(Rng *g, size_t n, double std) {
    real *x = calloc(n ? n : 1, sizeof(real));
    for (size_t i = 0; x && i < n; i++) x[i] = (real)(std * rng_normal(g));
    return x;
}

// ---------------------------------------------------------------- lesson 02
// linear_forward against the grader's own loop (in double, so the expected
// value is not the learner's code nor a copy the exercise could reroute), and
// linear_backward against centred differences.

static void expected_linear(real *y, const real *x, const real *w, const real *b, int N, int C, int OC) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double s = b ? b[o] : 0;
            for (int c = 0; c < C; c++) s += (double)x[(size_t)n * C + c] * w[(size_t)o * C + c];
            y[(size_t)n * OC + o] = (real)s;
        }
}

static int chk_linear_forward(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 202);
    for (int si = 0; si < gc_n_shapes; si++) {
        const GcShape *s = &gc_shapes[si];
        int N = s->B * s->T, C = s->C, OC = s->F;
        for (int bias = 0; bias < 2; bias++) {
            real *x = randn(&g, (size_t)N * C, 1), *w = randn(&g, (size_t)OC * C, 0.5), *b = randn(&g, OC, 0.5);
            real *want = randn(&g, (size_t)N * OC, 1), *got = randn(&g, (size_t)N * OC, 1);
            if (!x || !w || !b || !want || !got) return -1;
            expected_linear(want, x, w, bias ? b : NULL, N, C, OC);
            linear_forward(got, x, w, bias ? b : NULL, N, C, OC);
            for (size_t i = 0; i < (size_t)N * OC; i++) compare(r, got[i], want[i], bias ? "out" : "out (b NULL)", i);
            free(x), free(w), free(b), free(want), free(got);
        }
    }
    snprintf(where, wlen, "%s[%zu]", r->worst_tensor, r->worst_index);
    return 0;
}

typedef struct {
    int N, C, OC;
    real *x, *w, *b, *out, *r, *dx, *dw, *db;
} LinCtx;
// The loss the centred differences see comes from the grader's own loop, so
// linear_backward is checked even while linear_forward is still a stub.
static void lin_fwd(void *c) {
    LinCtx *k = c;
    expected_linear(k->out, k->x, k->w, k->b, k->N, k->C, k->OC);
}
static void lin_bwd(void *c) {
    LinCtx *k = c;
    memset(k->dx, 0, (size_t)k->N * k->C * sizeof(real));
    memset(k->dw, 0, (size_t)k->OC * k->C * sizeof(real));
    memset(k->db, 0, (size_t)k->OC * sizeof(real));
    linear_backward(k->dx, k->dw, k->db, k->r, k->x, k->w, k->N, k->C, k->OC);
}
static int chk_linear_backward(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 203);
    for (int si = 0; si < gc_n_shapes; si++) {
        const GcShape *s = &gc_shapes[si];
        LinCtx k = {.N = s->B * s->T, .C = s->C, .OC = s->F};
        size_t nx = (size_t)k.N * k.C, nw = (size_t)k.OC * k.C, no = (size_t)k.N * k.OC;
        k.x = randn(&g, nx, 1), k.w = randn(&g, nw, 0.5), k.b = randn(&g, k.OC, 0.5);
        k.out = randn(&g, no, 0), k.r = randn(&g, no, 1);
        k.dx = randn(&g, nx, 0), k.dw = randn(&g, nw, 0), k.db = randn(&g, k.OC, 0);
        if (!k.x || !k.w || !k.b || !k.out || !k.r || !k.dx || !k.dw || !k.db) return -1;
        GcTensor t[] = {{"dinp", k.x, k.dx, nx}, {"dw", k.w, k.dw, nw}, {"db", k.b, k.db, (size_t)k.OC}};
        GcProblem p = {.forward = lin_fwd, .backward = lin_bwd, .ctx = &k, .out = k.out, .r = k.r, .n_out = no,
                       .tensors = t, .n_tensors = 3};
        GcResult one;
        if (gradcheck_run(&p, GC_STEP, 0, &one)) return -1;
        size_t n = r->checked + one.checked;
        if (one.worst > r->worst || si == 0) *r = one;
        r->checked = n;
        free(k.x), free(k.w), free(k.b), free(k.out), free(k.r), free(k.dx), free(k.dw), free(k.db);
    }
    set_where(where, wlen, r);
    return 0;
}

// ---------------------------------------------------------------- lesson 03
// softmax_forward against exp(z - max) / sum written out in double, on rows
// that include huge logits (a softmax without the max shift overflows there).

static int chk_softmax(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 303);
    const int N = 6, V = 13;
    real *z = randn(&g, (size_t)N * V, 3), *p = randn(&g, (size_t)N * V, 0);
    if (!z || !p) return -1;
    for (int j = 0; j < V; j++) z[4 * V + j] += 1000, z[5 * V + j] -= 1000; // far from zero
    softmax_forward(p, z, N, V);
    for (int n = 0; n < N; n++) {
        double mx = z[n * V];
        for (int j = 1; j < V; j++) mx = fmax(mx, z[n * V + j]);
        double sum = 0;
        for (int j = 0; j < V; j++) sum += exp((double)z[n * V + j] - mx);
        for (int j = 0; j < V; j++)
            compare(r, p[n * V + j], exp((double)z[n * V + j] - mx) / sum, n >= 4 ? "probs (huge logits)" : "probs",
                    (size_t)(n * V + j));
    }
    free(z), free(p);
    snprintf(where, wlen, "%s[%zu]", r->worst_tensor, r->worst_index);
    return 0;
}

// ---------------------------------------------------------------- lesson 06
// One causal softmax row: att = softmax_{s<=t}(scale <q, k_s>), checked on its
// own with centred differences for every t, so a mistake here is found before
// it hides inside attention_backward.

typedef struct {
    int t, T, d;
    real scale;
    real *q, *k, *att, *r, *dq, *dk;
} RowCtx;
static void row_fwd(void *c) {
    RowCtx *a = c;
    causal_softmax_row_forward(a->att, a->q, a->k, (size_t)a->d, a->t, a->T, a->d, a->scale);
}
static void row_bwd(void *c) {
    RowCtx *a = c;
    row_fwd(c);
    memset(a->dq, 0, (size_t)a->d * sizeof(real));
    memset(a->dk, 0, (size_t)a->T * a->d * sizeof(real));
    causal_softmax_row_backward(a->dq, a->dk, a->r, a->att, a->q, a->k, (size_t)a->d, a->t, a->d, a->scale);
}
static int chk_softmax_row(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 606);
    const int T = 6, d = 4;
    for (int t = 0; t < T; t++) {
        RowCtx a = {.t = t, .T = T, .d = d, .scale = (real)(1.0 / sqrt((double)d))};
        a.q = randn(&g, d, 1), a.k = randn(&g, (size_t)T * d, 1), a.att = randn(&g, T, 0), a.r = randn(&g, T, 1);
        a.dq = randn(&g, d, 0), a.dk = randn(&g, (size_t)T * d, 0);
        if (!a.q || !a.k || !a.att || !a.r || !a.dq || !a.dk) return -1;
        GcTensor ts[] = {{"dq", a.q, a.dq, (size_t)d}, {"dk", a.k, a.dk, (size_t)T * d}};
        GcProblem p = {.forward = row_fwd, .backward = row_bwd, .ctx = &a, .out = a.att, .r = a.r, .n_out = (size_t)T,
                       .tensors = ts, .n_tensors = 2};
        GcResult one;
        if (gradcheck_run(&p, GC_STEP, 0, &one)) return -1;
        size_t n = r->checked + one.checked;
        if (one.worst > r->worst || t == 0) *r = one;
        r->checked = n;
        free(a.q), free(a.k), free(a.att), free(a.r), free(a.dq), free(a.dk);
    }
    set_where(where, wlen, r);
    return 0;
}

// ---------------------------------------------------------------- lesson 09
// adamw_update, lr_schedule and clip_grad_norm against their formulas.

static int chk_adamw(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 909);
    const size_t n = 23;
    AdamWConfig cfg = {.lr = 0.05, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.1};
    for (int decay = 0; decay < 2; decay++) {
        real *p = randn(&g, n, 1), *m = randn(&g, n, 0), *v = randn(&g, n, 0);
        double P[23], M[23] = {0}, Vv[23] = {0};
        if (!p || !m || !v) return -1;
        for (size_t i = 0; i < n; i++) P[i] = p[i];
        for (long step = 1; step <= 4; step++) {
            real *gr = randn(&g, n, 1);
            if (!gr) return -1;
            adamw_update(p, gr, m, v, n, &cfg, step, decay);
            for (size_t i = 0; i < n; i++) {
                if (decay) P[i] *= 1 - cfg.lr * cfg.weight_decay;
                M[i] = cfg.beta1 * M[i] + (1 - cfg.beta1) * gr[i];
                Vv[i] = cfg.beta2 * Vv[i] + (1 - cfg.beta2) * (double)gr[i] * gr[i];
                double mhat = M[i] / (1 - pow(cfg.beta1, step)), vhat = Vv[i] / (1 - pow(cfg.beta2, step));
                P[i] -= cfg.lr * mhat / (sqrt(vhat) + cfg.eps);
            }
            free(gr);
        }
        for (size_t i = 0; i < n; i++) {
            compare(r, p[i], P[i], decay ? "p (decay=1, after 4 steps)" : "p (decay=0, after 4 steps)", i);
            compare(r, m[i], M[i], "m (after 4 steps)", i);
            compare(r, v[i], Vv[i], "v (after 4 steps)", i);
        }
        free(p), free(m), free(v);
    }
    snprintf(where, wlen, "%s[%zu]", r->worst_tensor, r->worst_index);
    return 0;
}

static int chk_lr_schedule(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    const long warmup = 10, max_iters = 50;
    const double lr = 1e-3, min_lr = 1e-4;
    for (long it = 0; it <= max_iters + 3; it++) {
        double want;
        if (it < warmup) want = lr * (it + 1) / (warmup + 1);
        else if (it >= max_iters) want = min_lr;
        else want = min_lr + 0.5 * (1 + cos(3.14159265358979323846 * (it - warmup) / (double)(max_iters - warmup))) * (lr - min_lr);
        // compared relative to lr, so that the floor of the relative error does not hide small lrs
        compare(r, lr_schedule(it, warmup, max_iters, lr, min_lr) / lr, want / lr, "lr(it)/lr at it", (size_t)it);
    }
    snprintf(where, wlen, "%s=%zu", r->worst_tensor, r->worst_index);
    return 0;
}

static int chk_clip(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 910);
    const size_t n = 17;
    const double max_norms[3] = {0.5, 1.0, 100.0};
    for (int k = 0; k < 3; k++) {
        real *x = randn(&g, n, 1);
        if (!x) return -1;
        double norm = 0;
        for (size_t i = 0; i < n; i++) norm += (double)x[i] * x[i];
        norm = sqrt(norm);
        double want_scale = norm > max_norms[k] ? max_norms[k] / (norm + 1e-6) : 1.0;
        real keep[17];
        memcpy(keep, x, sizeof keep);
        double got_scale = clip_grad_norm(x, n, norm, max_norms[k]);
        compare(r, got_scale, want_scale, "returned scale, case", (size_t)k);
        for (size_t i = 0; i < n; i++) compare(r, x[i], keep[i] * want_scale, "g after clipping", i);
        free(x);
    }
    snprintf(where, wlen, "%s[%zu]", r->worst_tensor, r->worst_index);
    return 0;
}

// ---------------------------------------------------------------- lesson 13

static int chk_lambda(GcResult *r, char *where, size_t wlen) {
    *r = (GcResult){0};
    Rng g;
    rng_seed(&g, 1313);
    const int d = 8;
    for (int k = 0; k < 4; k++) {
        real *a = randn(&g, d, 0.4), *b = randn(&g, d, 0.4), *c = randn(&g, d, 0.4), *e = randn(&g, d, 0.4);
        if (!a || !b || !c || !e) return -1;
        double d1 = 0, d2 = 0;
        for (int i = 0; i < d; i++) d1 += (double)a[i] * b[i], d2 += (double)c[i] * e[i];
        double init = lambda_init_at(k);
        compare(r, diffattn_lambda(a, b, c, e, d, init), exp(d1) - exp(d2) + init, "lambda, draw", (size_t)k);
        free(a), free(b), free(c), free(e);
    }
    snprintf(where, wlen, "%s %zu", r->worst_tensor, r->worst_index);
    return 0;
}

// ---------------------------------------------------------------- registry layers

static const char *layer_name;
static int chk_layer(GcResult *r, char *where, size_t wlen) {
    const GcLayer *l = gc_find_layer(layer_name);
    if (!l || gc_check_layer_all_shapes(l, r)) return -1;
    set_where(where, wlen, r);
    return 0;
}

static const Check checks[] = {
    {"linear_forward", chk_linear_forward},
    {"linear_backward", chk_linear_backward},
    {"softmax", chk_softmax},
    {"softmax_row", chk_softmax_row},
    {"adamw", chk_adamw},
    {"lr_schedule", chk_lr_schedule},
    {"clip", chk_clip},
    {"lambda", chk_lambda},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: grade CHECK...   (a layer of `difftx gradcheck`, or one of:");
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) fprintf(stderr, " %s", checks[i].name);
        fprintf(stderr, ")\n");
        return 2;
    }
    int fails = 0;
    for (int a = 1; a < argc; a++) {
        int (*run)(GcResult *, char *, size_t) = NULL;
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
            if (!strcmp(argv[a], checks[i].name)) run = checks[i].run;
        if (!run && gc_find_layer(argv[a])) layer_name = argv[a], run = chk_layer;
        if (!run) {
            fprintf(stderr, "grade: no check named %s\n", argv[a]);
            return 2;
        }
        GcResult r;
        char where[128] = "";
        if (run(&r, where, sizeof where)) {
            printf("%s|ERROR|inf|0|could not run (out of memory)|0|0\n", argv[a]);
            fails++;
            continue;
        }
        int ok = r.checked > 0 && r.worst <= GC_TOL;
        fails += !ok;
        printf("%s|%s|%.1e|%zu|%s|%.6g|%.6g\n", argv[a], ok ? "PASS" : "FAIL", r.worst, r.checked, where,
               r.worst_analytic, r.worst_numeric);
    }
    return fails ? 1 : 0;
}
