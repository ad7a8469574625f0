// gradcheck_layers.c — one gradient check per layer.
//
// Each check draws random inputs and parameters, and a random weight r_i for
// every output value; gradcheck.c then checks L = sum_i r_i out_i, whose
// gradient with respect to the outputs is r itself (the backward's dout).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "layers/attention.h"
#include "layers/diffattn.h"
#include "layers/embedding.h"
#include "layers/ffn.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "layers/norm.h"
#include "layers/positions.h"
#include "rng.h"

// ------------------------------------------------------------ buffers

#define POOL_MAX 48
typedef struct {
    void *buf[POOL_MAX];
    int n, failed;
    Rng rng;
} Pool;

static void *pool_alloc(Pool *p, size_t bytes) {
    void *b = (p->n < POOL_MAX) ? calloc(1, bytes ? bytes : 1) : NULL;
    if (!b) {
        p->failed = 1;
        return NULL;
    }
    p->buf[p->n++] = b;
    return b;
}
static real *zeros(Pool *p, size_t n) { return pool_alloc(p, n * sizeof(real)); }
static real *randn(Pool *p, size_t n, double std) {
    real *x = zeros(p, n);
    for (size_t i = 0; x && i < n; i++) x[i] = (real)(std * rng_normal(&p->rng));
    return x;
}
static void pool_free(Pool *p) {
    for (int i = 0; i < p->n; i++) free(p->buf[i]);
}
static void zero(real *x, size_t n) { memset(x, 0, n * sizeof(real)); }

// Runs the check and frees the buffers; every layer below ends with this.
static int finish(Pool *p, const GcProblem *prob, GcResult *r) {
    if (!p->failed && gradcheck_run(prob, GC_STEP, 0, r)) p->failed = 1;
    pool_free(p);
    return p->failed ? -1 : 0;
}

// ------------------------------------------------------------ linear

typedef struct {
    int N, C, OC;
    real *x, *w, *b, *out, *r, *dx, *dw, *db;
} LinearCtx;
static void linear_fwd(void *c) {
    LinearCtx *k = c;
    linear_forward(k->out, k->x, k->w, k->b, k->N, k->C, k->OC);
}
static void linear_grad(void *c) {
    LinearCtx *k = c;
    zero(k->dx, (size_t)k->N * k->C), zero(k->dw, (size_t)k->OC * k->C), zero(k->db, k->OC);
    linear_backward(k->dx, k->dw, k->db, k->r, k->x, k->w, k->N, k->C, k->OC);
}
static int gc_linear(const GcShape *s, uint64_t seed, GcResult *r) {
    Pool p = {0};
    rng_seed(&p.rng, seed);
    LinearCtx k = {.N = s->B * s->T, .C = s->C, .OC = s->F};
    size_t nx = (size_t)k.N * k.C, nw = (size_t)k.OC * k.C, no = (size_t)k.N * k.OC;
    k.x = randn(&p, nx, 1), k.w = randn(&p, nw, 0.5), k.b = randn(&p, k.OC, 0.5);
    k.out = zeros(&p, no), k.r = randn(&p, no, 1);
    k.dx = zeros(&p, nx), k.dw = zeros(&p, nw), k.db = zeros(&p, k.OC);
    GcTensor t[] = {{"x", k.x, k.dx, nx}, {"w", k.w, k.dw, nw}, {"b", k.b, k.db, k.OC}};
    GcProblem prob = {.forward = linear_fwd, .backward = linear_grad, .ctx = &k, .out = k.out, .r = k.r, .n_out = (size_t)k.N * k.OC, .tensors = t, .n_tensors = 3};
    return finish(&p, &prob, r);
}

// ------------------------------------------------------------ embedding

typedef struct {
    int N, C;
    int *tok;
    real *table, *out, *r, *dtable;
    size_t ntab;
} EmbCtx;
static void emb_fwd(void *c) {
    EmbCtx *k = c;
    embedding_forward(k->out, k->tok, k->table, k->N, k->C);
}
static void emb_grad(void *c) {
    EmbCtx *k = c;
    zero(k->dtable, k->ntab);
    embedding_backward(k->dtable, k->r, k->tok, k->N, k->C);
}
static int gc_embedding(const GcShape *s, uint64_t seed, GcResult *r) {
    Pool p = {0};
    rng_seed(&p.rng, seed);
    EmbCtx k = {.N = s->B * s->T, .C = s->C, .ntab = (size_t)s->V * s->C};
    k.tok = pool_alloc(&p, (size_t)k.N * sizeof(int));
    for (int i = 0; k.tok && i < k.N; i++) k.tok[i] = (int)rng_below(&p.rng, (uint64_t)s->V);
    k.table = randn(&p, k.ntab, 1), k.dtable = zeros(&p, k.ntab);
    k.out = zeros(&p, (size_t)k.N * k.C), k.r = randn(&p, (size_t)k.N * k.C, 1);
    GcTensor t[] = {{"table", k.table, k.dtable, k.ntab}};
    GcProblem prob = {.forward = emb_fwd, .backward = emb_grad, .ctx = &k, .out = k.out, .r = k.r, .n_out = (size_t)k.N * k.C, .tensors = t, .n_tensors = 1};
    return finish(&p, &prob, r);
}

// ------------------------------------------------------------ positions

typedef struct {
    int B, T, H, d;
    size_t n;
    real *x, *y, *r, *dx;
} PosCtx;
static void sin_fwd(void *c) {
    PosCtx *k = c;
    memcpy(k->y, k->x, k->n * sizeof(real));
    sinusoidal_forward(k->y, k->B, k->T, k->H * k->d);
}
static void sin_grad(void *c) {
    PosCtx *k = c;
    memcpy(k->dx, k->r, k->n * sizeof(real)); // x + PE: dL/dx = dL/dy, then nothing more
    sinusoidal_backward(k->dx, k->B, k->T, k->H * k->d);
}
static void rope_fwd(void *c) {
    PosCtx *k = c;
    rope_forward(k->y, k->x, k->B, k->T, k->H, k->d, 10000.0);
}
static void rope_grad(void *c) {
    PosCtx *k = c;
    zero(k->dx, k->n);
    rope_backward(k->dx, k->r, k->B, k->T, k->H, k->d, 10000.0);
}
static int gc_positions(const GcShape *s, uint64_t seed, GcResult *r, int rotary) {
    Pool p = {0};
    rng_seed(&p.rng, seed);
    PosCtx k = {.B = s->B, .T = s->T, .H = s->H, .d = s->C / s->H, .n = (size_t)s->B * s->T * s->C};
    k.x = randn(&p, k.n, 1), k.y = zeros(&p, k.n), k.r = randn(&p, k.n, 1), k.dx = zeros(&p, k.n);
    GcTensor t[] = {{"x", k.x, k.dx, k.n}};
    GcProblem prob = {.forward = rotary ? rope_fwd : sin_fwd, .backward = rotary ? rope_grad : sin_grad, .ctx = &k, .out = k.y, .r = k.r, .n_out = k.n, .tensors = t, .n_tensors = 1};
    return finish(&p, &prob, r);
}
static int gc_sinusoidal(const GcShape *s, uint64_t seed, GcResult *r) { return gc_positions(s, seed, r, 0); }
static int gc_rope(const GcShape *s, uint64_t seed, GcResult *r) { return gc_positions(s, seed, r, 1); }

// ------------------------------------------------------------ norms

typedef struct {
    int N, C;
    real *x, *w, *b, *out, *mean, *rstd, *r, *dx, *dw, *db;
} NormCtx;
static void rms_fwd(void *c) {
    NormCtx *k = c;
    rmsnorm_forward(k->out, k->rstd, k->x, k->w, k->N, k->C, (real)1e-5);
}
static void rms_grad(void *c) {
    NormCtx *k = c;
    rms_fwd(c);
    zero(k->dx, (size_t)k->N * k->C), zero(k->dw, k->C);
    rmsnorm_backward(k->dx, k->dw, k->r, k->x, k->w, k->rstd, k->N, k->C);
}
static void ln_fwd(void *c) {
    NormCtx *k = c;
    layernorm_forward(k->out, k->mean, k->rstd, k->x, k->w, k->b, k->N, k->C, (real)1e-5);
}
static void ln_grad(void *c) {
    NormCtx *k = c;
    ln_fwd(c);
    zero(k->dx, (size_t)k->N * k->C), zero(k->dw, k->C), zero(k->db, k->C);
    layernorm_backward(k->dx, k->dw, k->db, k->r, k->x, k->w, k->mean, k->rstd, k->N, k->C);
}
static int gc_norm(const GcShape *s, uint64_t seed, GcResult *r, int layer) {
    Pool p = {0};
    rng_seed(&p.rng, seed);
    NormCtx k = {.N = s->B * s->T, .C = s->C};
    size_t n = (size_t)k.N * k.C;
    k.x = randn(&p, n, 1), k.w = randn(&p, k.C, 1), k.b = randn(&p, k.C, 1);
    k.out = zeros(&p, n), k.mean = zeros(&p, k.N), k.rstd = zeros(&p, k.N), k.r = randn(&p, n, 1);
    k.dx = zeros(&p, n), k.dw = zeros(&p, k.C), k.db = zeros(&p, k.C);
    GcTensor t[] = {{"x", k.x, k.dx, n}, {"weight", k.w, k.dw, k.C}, {"bias", k.b, k.db, k.C}};
    GcProblem prob = {.forward = layer ? ln_fwd : rms_fwd, .backward = layer ? ln_grad : rms_grad, .ctx = &k, .out = k.out, .r = k.r, .n_out = n, .tensors = t, .n_tensors = layer ? 3 : 2};
    return finish(&p, &prob, r);
}
static int gc_rmsnorm(const GcShape *s, uint64_t seed, GcResult *r) { return gc_norm(s, seed, r, 0); }
static int gc_layernorm(const GcShape *s, uint64_t seed, GcResult *r) { return gc_norm(s, seed, r, 1); }

// ------------------------------------------------------------ cross-entropy

typedef struct {
    int N, V;
    int *tgt;
    real *z, *probs, *dz, loss, one;
} CeCtx;
static void ce_fwd(void *c) {
    CeCtx *k = c;
    k->loss = (real)crossentropy_forward(k->probs, k->z, k->tgt, k->N, k->V);
}
static void ce_grad(void *c) {
    CeCtx *k = c;
    ce_fwd(c);
    zero(k->dz, (size_t)k->N * k->V);
    crossentropy_backward(k->dz, k->probs, k->tgt, k->N, k->V, 1);
}
static int gc_crossentropy(const GcShape *s, uint64_t seed, GcResult *r) {
    Pool p = {0};
    rng_seed(&p.rng, seed);
    CeCtx k = {.N = s->B * s->T, .V = s->V, .one = 1};
    size_t n = (size_t)k.N * k.V;
    k.tgt = pool_alloc(&p, (size_t)k.N * sizeof(int));
    for (int i = 0; k.tgt && i < k.N; i++) k.tgt[i] = (int)rng_below(&p.rng, (uint64_t)k.V);
    k.z = randn(&p, n, 1), k.probs = zeros(&p, n), k.dz = zeros(&p, n);
    GcTensor t[] = {{"logits", k.z, k.dz, n}};
    GcProblem prob = {.forward = ce_fwd, .backward = ce_grad, .ctx = &k, .out = &k.loss, .r = &k.one, .n_out = 1, .tensors = t, .n_tensors = 1};
    return finish(&p, &prob, r);
}

// ------------------------------------------------------------ feed-forward

typedef struct {
    int N, C, F;
    real *x, *w1, *b1, *w2, *b2, *w3, *g, *u, *h, *out, *r, *s1, *s2;
    real *dx, *dw1, *db1, *dw2, *db2, *dw3;
} FfnCtx;
static void swiglu_fwd(void *c) {
    FfnCtx *k = c;
    swiglu_forward(k->out, (SwigluSaved){k->g, k->u, k->h}, k->x, (SwigluWeights){k->w1, k->w3, k->w2}, k->N, k->C,
                   k->F);
}
static void ffn_zero_grads(FfnCtx *k) {
    size_t nw = (size_t)k->F * k->C;
    zero(k->dx, (size_t)k->N * k->C), zero(k->dw1, nw), zero(k->dw2, nw), zero(k->dw3, nw);
    zero(k->db1, k->F), zero(k->db2, k->C);
}
static void swiglu_grad(void *c) {
    FfnCtx *k = c;
    swiglu_fwd(c);
    ffn_zero_grads(k);
    swiglu_backward(k->dx, (SwigluGrads){k->dw1, k->dw3, k->dw2}, k->s1, k->s2, k->r, k->x,
                    (SwigluSaved){k->g, k->u, k->h}, (SwigluWeights){k->w1, k->w3, k->w2}, k->N, k->C, k->F);
}
static void relu_fwd(void *c) {
    FfnCtx *k = c;
    relu_ffn_forward(k->out, (ReluSaved){k->g, k->h}, k->x, (ReluWeights){k->w1, k->b1, k->w2, k->b2}, k->N, k->C,
                     k->F);
}
static void relu_grad(void *c) {
    FfnCtx *k = c;
    relu_fwd(c);
    ffn_zero_grads(k);
    relu_ffn_backward(k->dx, (ReluGrads){k->dw1, k->db1, k->dw2, k->db2}, k->s1, k->r, k->x, (ReluSaved){k->g, k->h},
                      (ReluWeights){k->w1, k->b1, k->w2, k->b2}, k->N, k->C, k->F);
}
// ReLU has a kink at 0: a centred difference that straddles it averages two
// slopes and matches neither. Move each bias b1[f] (in steps of 0.05) until all
// pre-activations of column f are at least 0.1 from zero, which no step h can cross.
static void relu_away_from_kink(FfnCtx *k) {
    relu_fwd(k);
    for (int f = 0; f < k->F; f++) {
        for (int tries = 0; tries < 200; tries++) {
            int ok = 1;
            for (int n = 0; n < k->N; n++)
                if (fabs((double)k->g[(size_t)n * k->F + f]) < 0.1) ok = 0;
            if (ok) break;
            real shift = (real)(0.05 * ((tries & 1) ? -(tries + 1) : (tries + 1)));
            k->b1[f] += shift;
            for (int n = 0; n < k->N; n++) k->g[(size_t)n * k->F + f] += shift;
        }
    }
}

static int gc_ffn(const GcShape *s, uint64_t seed, GcResult *r, int swiglu) {
    Pool p = {0};
    rng_seed(&p.rng, seed);
    FfnCtx k = {.N = s->B * s->T, .C = s->C, .F = s->F};
    size_t nx = (size_t)k.N * k.C, nh = (size_t)k.N * k.F, nw = (size_t)k.F * k.C;
    k.x = randn(&p, nx, 1), k.w1 = randn(&p, nw, 0.3), k.w2 = randn(&p, nw, 0.3), k.w3 = randn(&p, nw, 0.3);
    k.b1 = randn(&p, k.F, 0.5), k.b2 = randn(&p, k.C, 0.5);
    k.g = zeros(&p, nh), k.u = zeros(&p, nh), k.h = zeros(&p, nh), k.s1 = zeros(&p, nh), k.s2 = zeros(&p, nh);
    k.out = zeros(&p, nx), k.r = randn(&p, nx, 1);
    k.dx = zeros(&p, nx), k.dw1 = zeros(&p, nw), k.dw2 = zeros(&p, nw), k.dw3 = zeros(&p, nw);
    k.db1 = zeros(&p, k.F), k.db2 = zeros(&p, k.C);
    if (!swiglu && !p.failed) relu_away_from_kink(&k);
    GcTensor sw[] = {{"x", k.x, k.dx, nx}, {"w_gate", k.w1, k.dw1, nw}, {"w_up", k.w3, k.dw3, nw},
                     {"w_down", k.w2, k.dw2, nw}};
    GcTensor rl[] = {{"x", k.x, k.dx, nx}, {"w1", k.w1, k.dw1, nw}, {"b1", k.b1, k.db1, k.F},
                     {"w2", k.w2, k.dw2, nw}, {"b2", k.b2, k.db2, k.C}};
    GcProblem prob = {.forward = swiglu ? swiglu_fwd : relu_fwd, .backward = swiglu ? swiglu_grad : relu_grad, .ctx = &k, .out = k.out, .r = k.r, .n_out = nx, .tensors = swiglu ? sw : rl, .n_tensors = swiglu ? 4 : 5};
    return finish(&p, &prob, r);
}
static int gc_swiglu(const GcShape *s, uint64_t seed, GcResult *r) { return gc_ffn(s, seed, r, 1); }
static int gc_relu_ffn(const GcShape *s, uint64_t seed, GcResult *r) { return gc_ffn(s, seed, r, 0); }

// ------------------------------------------------------------ attention

typedef struct {
    int B, T, H, d;
    double lambda_init;
    int no_norm; // diffattn without its headwise norm (subln_w = NULL)
    size_t n, na;
    real *q, *k, *v, *att, *att2, *o, *rstd, *out, *r, *s1, *s2, *sa;
    real *lq1, *lk1, *lq2, *lk2, *w;
    real *dq, *dk, *dv, *dlq1, *dlk1, *dlq2, *dlk2, *dw;
} AttnCtx;
static void attn_fwd(void *c) {
    AttnCtx *a = c;
    attention_forward(a->out, a->att, a->q, a->k, a->v, (AttnShape){a->B, a->T, a->H, a->d});
}
static void attn_grad(void *c) {
    AttnCtx *a = c;
    attn_fwd(c);
    zero(a->dq, a->n), zero(a->dk, a->n), zero(a->dv, a->n);
    attention_backward(a->dq, a->dk, a->dv, a->sa, a->r, a->q, a->k, a->v, a->att, (AttnShape){a->B, a->T, a->H, a->d});
}
// lq1 and dlq1 start [4,d] blocks (lk1 = lq1 + d, ...), as in the model.
static DiffWeights diff_weights(const AttnCtx *a) {
    return (DiffWeights){a->lq1, a->no_norm ? NULL : a->w, a->lambda_init, (real)1e-5};
}
static void diff_fwd(void *c) {
    AttnCtx *a = c;
    diffattn_forward(a->out, (DiffSaved){a->att, a->att2, a->o, a->rstd}, a->q, a->k, a->v, diff_weights(a),
                     (AttnShape){a->B, a->T, a->H, a->d});
}
static void diff_grad(void *c) {
    AttnCtx *a = c;
    diff_fwd(c);
    zero(a->dq, a->n), zero(a->dk, a->n), zero(a->dv, a->n);
    zero(a->dlq1, 4 * a->d), zero(a->dw, 2 * a->d);
    diffattn_backward(a->dq, a->dk, a->dv, (DiffGrads){a->dlq1, a->dw}, (DiffScratch){a->s1, a->s2, a->sa, NULL},
                      a->r, a->q, a->k, a->v, (DiffSaved){a->att, a->att2, a->o, a->rstd}, diff_weights(a),
                      (AttnShape){a->B, a->T, a->H, a->d});
}
typedef enum { ATTN_CHECK_STANDARD, ATTN_CHECK_DIFF, ATTN_CHECK_DIFF_NO_NORM } AttnCheck;

static int gc_attn(const GcShape *s, uint64_t seed, GcResult *r, AttnCheck diff) {
    if (s->C % s->H || (diff && s->H % 2)) return -1;
    Pool p = {0};
    rng_seed(&p.rng, seed);
    AttnCtx a = {.B = s->B, .T = s->T, .H = s->H, .d = s->C / s->H, .lambda_init = lambda_init_at(2), .no_norm = diff == ATTN_CHECK_DIFF_NO_NORM};
    a.n = (size_t)s->B * s->T * s->C, a.na = (size_t)s->B * s->H * s->T * s->T;
    // Without the headwise norm nothing rescales o, and sharp maps leave some
    // q, k gradients near 1e-6, where rounding in the numeric difference is
    // already 1e-6 of them: softer scores keep every gradient well above it.
    const double qk_std = diff == ATTN_CHECK_DIFF_NO_NORM ? 0.5 : 1;
    a.q = randn(&p, a.n, qk_std), a.k = randn(&p, a.n, qk_std), a.v = randn(&p, a.n, 1);
    a.att = zeros(&p, a.na), a.att2 = zeros(&p, a.na), a.sa = zeros(&p, a.na);
    a.o = zeros(&p, a.n), a.out = zeros(&p, a.n), a.s1 = zeros(&p, a.n), a.s2 = zeros(&p, a.n);
    a.rstd = zeros(&p, (size_t)s->B * s->T * s->H), a.r = randn(&p, a.n, 1);
    // lambda vectors far from zero, so lambda is well away from lambda_init
    // (one [4,d] block: lambda_q1, lambda_k1, lambda_q2, lambda_k2, as in the model)
    a.lq1 = randn(&p, 4 * (size_t)a.d, 0.5), a.w = randn(&p, 2 * a.d, 1);
    if (a.lq1) a.lk1 = a.lq1 + a.d, a.lq2 = a.lq1 + 2 * a.d, a.lk2 = a.lq1 + 3 * a.d;
    // With T = 1 both maps are [1], so o = (1 - lambda) V and a lambda near 1
    // would silence the head and make its norm ill-conditioned. Redraw lk1
    // until lambda is at least 0.3 away from 1.
    for (int tries = 0; !p.failed && tries < 100; tries++) {
        if (fabs(1.0 - diffattn_lambda(a.lq1, a.lk1, a.lq2, a.lk2, a.d, a.lambda_init)) >= 0.3) break;
        for (int i = 0; i < a.d; i++) a.lk1[i] = (real)(0.5 * rng_normal(&p.rng));
    }
    a.dq = zeros(&p, a.n), a.dk = zeros(&p, a.n), a.dv = zeros(&p, a.n);
    a.dlq1 = zeros(&p, 4 * (size_t)a.d);
    if (a.dlq1) a.dlk1 = a.dlq1 + a.d, a.dlq2 = a.dlq1 + 2 * a.d, a.dlk2 = a.dlq1 + 3 * a.d;
    a.dw = zeros(&p, 2 * a.d);
    GcTensor t[] = {{"q", a.q, a.dq, a.n},           {"k", a.k, a.dk, a.n},
                    {"v", a.v, a.dv, a.n},           {"lambda_q1", a.lq1, a.dlq1, a.d},
                    {"lambda_k1", a.lk1, a.dlk1, a.d}, {"lambda_q2", a.lq2, a.dlq2, a.d},
                    {"lambda_k2", a.lk2, a.dlk2, a.d}, {"subln.weight", a.w, a.dw, 2 * a.d}};
    // standard attention checks q, k, v; differential adds the lambda vectors
    // and, with its norm, subln.weight
    const int n_tensors = diff == ATTN_CHECK_STANDARD ? 3 : diff == ATTN_CHECK_DIFF ? 8 : 7;
    GcProblem prob = {.forward = diff ? diff_fwd : attn_fwd, .backward = diff ? diff_grad : attn_grad, .ctx = &a, .out = a.out, .r = a.r, .n_out = a.n, .tensors = t, .n_tensors = n_tensors};
    return finish(&p, &prob, r);
}
static int gc_attention(const GcShape *s, uint64_t seed, GcResult *r) { return gc_attn(s, seed, r, ATTN_CHECK_STANDARD); }
static int gc_diffattn(const GcShape *s, uint64_t seed, GcResult *r) { return gc_attn(s, seed, r, ATTN_CHECK_DIFF); }
static int gc_diffattn_nonorm(const GcShape *s, uint64_t seed, GcResult *r) { return gc_attn(s, seed, r, ATTN_CHECK_DIFF_NO_NORM); }

// ------------------------------------------------------------ registry

const GcLayer gc_layers[] = {
    {.name = "linear", .where = "layers/linear.c: linear_forward/backward", .check = gc_linear},
    {.name = "embedding", .where = "layers/embedding.c: embedding_forward/backward", .check = gc_embedding},
    {.name = "sinusoidal", .where = "layers/positions.c: sinusoidal_forward/backward", .check = gc_sinusoidal},
    {.name = "rope", .where = "layers/positions.c: rope_forward/backward", .check = gc_rope},
    {.name = "rmsnorm", .where = "layers/norm.c: rmsnorm_forward/backward", .check = gc_rmsnorm},
    {.name = "layernorm", .where = "layers/norm.c: layernorm_forward/backward", .check = gc_layernorm},
    {.name = "crossentropy", .where = "layers/loss.c: crossentropy_forward/backward", .check = gc_crossentropy},
    {.name = "swiglu", .where = "layers/ffn.c: swiglu_forward/backward", .check = gc_swiglu},
    {.name = "relu_ffn", .where = "layers/ffn.c: relu_ffn_forward/backward", .check = gc_relu_ffn},
    {.name = "attention", .where = "layers/attention.c: attention_forward/backward", .check = gc_attention},
    {.name = "diffattn", .where = "layers/diffattn.c: diffattn_forward/backward", .check = gc_diffattn},
    {.name = "diffattn_nonorm", .where = "layers/diffattn.c: the same without the headwise norm (ablation)", .check = gc_diffattn_nonorm},
};
const int gc_n_layers = (int)(sizeof gc_layers / sizeof gc_layers[0]);

const GcLayer *gc_find_layer(const char *name) {
    for (int i = 0; i < gc_n_layers; i++)
        if (!strcmp(gc_layers[i].name, name)) return &gc_layers[i];
    return NULL;
}

const GcShape gc_shapes[] = {
    {.B = 2, .T = 5, .C = 16, .H = 4, .F = 24, .V = 11},
    {.B = 3, .T = 1, .C = 8, .H = 2, .F = 12, .V = 7},
    {.B = 2, .T = 7, .C = 24, .H = 6, .F = 20, .V = 13},
};
const int gc_n_shapes = (int)(sizeof gc_shapes / sizeof gc_shapes[0]);

int gc_check_layer_all_shapes(const GcLayer *l, GcResult *r) {
    *r = (GcResult){0};
    for (int i = 0; i < gc_n_shapes; i++) {
        GcResult one;
        if (l->check(&gc_shapes[i], 1000 + (uint64_t)i, &one)) return -1;
        r->checked += one.checked;
        if (one.worst > r->worst || i == 0) {
            size_t n = r->checked;
            *r = one;
            r->checked = n;
        }
    }
    return 0;
}
