// model.c — assembling the layers into the model of SPEC.md.
//
//   x = tok_emb[tokens] (+ sinusoidal table)
//   for each block:  x = x + attn(norm1(x));  x = x + ffn(norm2(x))
//   logits = norm_f(x) lm_head^T,  loss = mean cross-entropy
//
// Memory follows llm.c: one buffer for all parameters, one for their
// gradients (same layout), one for all activations; the structs hold named
// pointers into them. Nothing is allocated during forward or backward.
//
// Backward walks the same path in reverse. A residual connection x + f(x)
// passes its gradient to x unchanged and also through f, so d_x accumulates
// both as each block is undone.
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layers/diffattn.h"
#include "layers/embedding.h"
#include "layers/fast/attention_fast.h"
#include "layers/loss.h"
#include "layers/norm.h"
#include "layers/positions.h"
#include "rng.h"

const char *const prof_names[PROF_N] = {"embedding", "norms", "linear", "rotary", "attention", "feed-forward",
                                         "loss"};
const char *const attn_names[2] = {"standard", "differential"};
const char *const pos_names[2] = {"sinusoidal", "rotary"};
const char *const norm_names[2] = {"rmsnorm", "layernorm"};
const char *const ffn_names[2] = {"swiglu", "relu"};

ModelConfig model_config_default(void) {
    return (ModelConfig){.attn = ATTN_DIFFERENTIAL, .pos = POS_ROTARY, .norm = NORM_RMSNORM, .ffn = FFN_SWIGLU,
                         .norm_eps = 1e-5, .rope_base = 10000.0};
}

int model_default_ffn_hidden(FfnKind ffn, int n_embd) {
    if (ffn == FFN_RELU) return 4 * n_embd;
    int f = (8 * n_embd + 2) / 3; // ceil(8C/3)
    return (f + 31) / 32 * 32;
}

int model_config_check(const ModelConfig *c, char *err, size_t errlen) {
    struct {
        const char *key;
        int value;
    } sizes[] = {{"vocab_size", c->vocab_size}, {"block_size", c->block_size}, {"n_layer", c->n_layer},
                 {"n_head", c->n_head},         {"n_embd", c->n_embd},         {"ffn_hidden", c->ffn_hidden}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].value <= 0) {
            snprintf(err, errlen, "%s = %d: must be a positive integer", sizes[i].key, sizes[i].value);
            return -1;
        }
    if (c->vocab_size > 256) {
        snprintf(err, errlen, "vocab_size = %d: a byte-level vocabulary has at most 256 symbols", c->vocab_size);
        return -1;
    }
    if (c->n_embd % c->n_head) {
        snprintf(err, errlen, "n_embd = %d is not divisible by n_head = %d", c->n_embd, c->n_head);
        return -1;
    }
    int d = c->n_embd / c->n_head;
    if (c->no_subln && c->attn != ATTN_DIFFERENTIAL) {
        snprintf(err, errlen, "no_subln removes the headwise norm of differential attention; this model has %s attention",
                 attn_names[c->attn]);
        return -1;
    }
    if (c->attn == ATTN_DIFFERENTIAL && c->n_head % 2) {
        snprintf(err, errlen, "n_head = %d: differential attention needs an even number of heads (pairs)",
                 c->n_head);
        return -1;
    }
    if (c->pos == POS_ROTARY && d % 2) {
        snprintf(err, errlen, "head width n_embd/n_head = %d is odd: rotary positions rotate pairs (use an even width)",
                 d);
        return -1;
    }
    if (c->pos == POS_SINUSOIDAL && c->n_embd % 2) {
        snprintf(err, errlen, "n_embd = %d is odd: the sinusoidal table needs an even width", c->n_embd);
        return -1;
    }
    if (!(c->norm_eps > 0) || !(c->rope_base > 1) || !isfinite(c->norm_eps) || !isfinite(c->rope_base)) {
        snprintf(err, errlen, "norm_eps = %g, rope_base = %g: need norm_eps > 0 and rope_base > 1", c->norm_eps,
                 c->rope_base);
        return -1;
    }
    return 0;
}

// ------------------------------------------------------------ parameter layout

typedef struct {
    Model *m;
    size_t at;
} Layout;

// Registers tensor `name` of shape [r] or [r,c] and returns its offset. With
// tensors == NULL it only counts (first pass), then fills the table.
static size_t add(Layout *L, const char *name, int rows, int cols, int decay) {
    Model *m = L->m;
    size_t size = (size_t)rows * (cols ? cols : 1), off = L->at;
    if (m->tensors) {
        ParamTensor *t = &m->tensors[m->n_tensors];
        snprintf(t->name, sizeof t->name, "%s", name);
        t->offset = off, t->size = size, t->ndim = cols ? 2 : 1;
        t->shape[0] = rows, t->shape[1] = cols, t->decay = decay;
    }
    m->n_tensors++;
    L->at += size;
    return off;
}

// Offsets of every view; the same function describes params and grads.
typedef struct {
    size_t tok_emb, norm_f_w, norm_f_b, lm_head;
    size_t *blk; // 19 offsets per block, in BlockParams order
} Offsets;

enum { B_N1W, B_N1B, B_N2W, B_N2B, B_WQ, B_WK, B_WV, B_WO, B_LQ1, B_LK1, B_LQ2, B_LK2, B_SUB, B_WG, B_WU, B_WD,
       B_W1, B_B1, B_W2, B_B2, B_COUNT };
#define NONE ((size_t)-1)

static void layout(Model *m, Offsets *o) {
    const ModelConfig *c = &m->cfg;
    const int C = c->n_embd, V = c->vocab_size, F = m->F, d = m->d;
    const int ln = c->norm == NORM_LAYERNORM;
    Layout L = {m, 0};
    m->n_tensors = 0;
    char nm[64];
    o->tok_emb = add(&L, "tok_emb", V, C, 1);
    for (int l = 0; l < c->n_layer; l++) {
        size_t *b = o->blk + (size_t)l * B_COUNT;
        for (int i = 0; i < B_COUNT; i++) b[i] = NONE;
#define ADD(slot, suffix, r, cc, dec) \
    (snprintf(nm, sizeof nm, "blocks.%d.%s", l, suffix), b[slot] = add(&L, nm, r, cc, dec))
        ADD(B_N1W, "norm1.weight", C, 0, 0);
        if (ln) ADD(B_N1B, "norm1.bias", C, 0, 0);
        ADD(B_N2W, "norm2.weight", C, 0, 0);
        if (ln) ADD(B_N2B, "norm2.bias", C, 0, 0);
        ADD(B_WQ, "attn.wq", C, C, 1);
        ADD(B_WK, "attn.wk", C, C, 1);
        ADD(B_WV, "attn.wv", C, C, 1);
        ADD(B_WO, "attn.wo", C, C, 1);
        if (c->attn == ATTN_DIFFERENTIAL) {
            ADD(B_LQ1, "attn.lambda_q1", d, 0, 0);
            ADD(B_LK1, "attn.lambda_k1", d, 0, 0);
            ADD(B_LQ2, "attn.lambda_q2", d, 0, 0);
            ADD(B_LK2, "attn.lambda_k2", d, 0, 0);
            ADD(B_SUB, "attn.subln.weight", 2 * d, 0, 0);
        }
        if (c->ffn == FFN_SWIGLU) {
            ADD(B_WG, "ffn.w_gate", F, C, 1);
            ADD(B_WU, "ffn.w_up", F, C, 1);
            ADD(B_WD, "ffn.w_down", C, F, 1);
        } else {
            ADD(B_W1, "ffn.w1", F, C, 1);
            ADD(B_B1, "ffn.b1", F, 0, 0);
            ADD(B_W2, "ffn.w2", C, F, 1);
            ADD(B_B2, "ffn.b2", C, 0, 0);
        }
#undef ADD
    }
    o->norm_f_w = add(&L, "norm_f.weight", C, 0, 0);
    o->norm_f_b = ln ? add(&L, "norm_f.bias", C, 0, 0) : NONE;
    o->lm_head = add(&L, "lm_head", V, C, 1);
    m->n_params = L.at;
}

static real *at(real *base, size_t off) { return off == NONE ? NULL : base + off; }

static void make_views(ModelParams *v, real *base, const Offsets *o, int n_layer) {
    v->tok_emb = at(base, o->tok_emb), v->lm_head = at(base, o->lm_head);
    v->norm_f_w = at(base, o->norm_f_w), v->norm_f_b = at(base, o->norm_f_b);
    for (int l = 0; l < n_layer; l++) {
        const size_t *b = o->blk + (size_t)l * B_COUNT;
        v->blocks[l] = (BlockParams){
            .norm1_w = at(base, b[B_N1W]),   .norm1_b = at(base, b[B_N1B]),   .norm2_w = at(base, b[B_N2W]),
            .norm2_b = at(base, b[B_N2B]),   .wq = at(base, b[B_WQ]),         .wk = at(base, b[B_WK]),
            .wv = at(base, b[B_WV]),         .wo = at(base, b[B_WO]),         .lambda_q1 = at(base, b[B_LQ1]),
            .lambda_k1 = at(base, b[B_LK1]), .lambda_q2 = at(base, b[B_LQ2]), .lambda_k2 = at(base, b[B_LK2]),
            .subln_w = at(base, b[B_SUB]),   .w_gate = at(base, b[B_WG]),     .w_up = at(base, b[B_WU]),
            .w_down = at(base, b[B_WD]),     .w1 = at(base, b[B_W1]),         .b1 = at(base, b[B_B1]),
            .w2 = at(base, b[B_W2]),         .b2 = at(base, b[B_B2])};
    }
}

int model_create(Model *m, const ModelConfig *cfg, char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    if (model_config_check(cfg, err, errlen)) return -1;
    m->cfg = *cfg;
    m->d = cfg->n_embd / cfg->n_head;
    m->F = cfg->ffn_hidden;
    Offsets o = {0};
    o.blk = malloc((size_t)cfg->n_layer * B_COUNT * sizeof(size_t));
    m->p.blocks = calloc((size_t)cfg->n_layer, sizeof(BlockParams));
    m->g.blocks = calloc((size_t)cfg->n_layer, sizeof(BlockParams));
    if (!o.blk || !m->p.blocks || !m->g.blocks) goto oom;
    layout(m, &o); // count
    m->tensors = calloc((size_t)m->n_tensors, sizeof(ParamTensor));
    if (!m->tensors) goto oom;
    layout(m, &o); // fill
    m->params = calloc(m->n_params, sizeof(real));
    m->grads = calloc(m->n_params, sizeof(real));
    if (!m->params || !m->grads) goto oom;
    make_views(&m->p, m->params, &o, cfg->n_layer);
    make_views(&m->g, m->grads, &o, cfg->n_layer);
    model_use_kernels(m, KERNELS_FAST);
    free(o.blk);
    return 0;
oom:
    free(o.blk);
    model_free(m);
    snprintf(err, errlen, "out of memory allocating the model's parameters");
    return -1;
}

void model_init_weights(Model *m, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    const double std = 0.02, std_res = 0.02 / sqrt(2.0 * m->cfg.n_layer);
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *t = &m->tensors[i];
        real *x = m->params + t->offset;
        const char *n = t->name;
        double s;
        if (strstr(n, ".weight")) s = -1;                            // norm weights: 1
        else if (strstr(n, ".b1") || strstr(n, ".b2") || strstr(n, ".bias")) s = 0; // biases: 0
        else if (strstr(n, "lambda_")) s = 0.1;
        else if (strstr(n, "attn.wo") || strstr(n, "ffn.w_down") || strstr(n, "ffn.w2")) s = std_res;
        else s = std;
        for (size_t j = 0; j < t->size; j++) x[j] = s < 0 ? 1 : (real)(s * rng_normal(&r));
    }
}

// ------------------------------------------------------------ activations

typedef struct {
    real *base;
    size_t at;
    double total; // the same count in double: measuring an absurd shape cannot overflow
} Carver;
static real *carve(Carver *c, size_t n) {
    real *p = c->base ? c->base + c->at : NULL;
    n = (n + 15) & ~(size_t)15; // keep every array 64-byte aligned
    c->at += n;
    c->total += (double)n;
    return p;
}

// Lays out (or, with base == NULL, only measures) every activation array;
// returns the count of values, and *total the same count in double.
static size_t carve_acts(Model *m, real *base, double *total) {
    const ModelConfig *c = &m->cfg;
    const size_t BT = (size_t)m->B_max * m->T_max, C = c->n_embd, F = m->F, V = c->vocab_size;
    const size_t att = (size_t)m->B_max * c->n_head * m->T_max * m->T_max;
    const int diff = c->attn == ATTN_DIFFERENTIAL, rot = c->pos == POS_ROTARY;
    Carver cv = {base, 0, 0};
    for (int l = 0; l < c->n_layer; l++) {
        BlockActs a;
        a.x_in = carve(&cv, BT * C), a.ln1 = carve(&cv, BT * C);
        a.ln1_mean = carve(&cv, BT), a.ln1_rstd = carve(&cv, BT);
        a.q_pre = rot ? carve(&cv, BT * C) : NULL, a.k_pre = rot ? carve(&cv, BT * C) : NULL;
        a.q = carve(&cv, BT * C), a.k = carve(&cv, BT * C), a.v = carve(&cv, BT * C);
        a.att = carve(&cv, diff ? att / 2 : att), a.att2 = diff ? carve(&cv, att / 2) : NULL;
        a.o = diff ? carve(&cv, BT * C) : NULL, a.o_rstd = diff ? carve(&cv, BT * c->n_head / 2) : NULL;
        a.y = carve(&cv, BT * C), a.x_mid = carve(&cv, BT * C), a.ln2 = carve(&cv, BT * C);
        a.ln2_mean = carve(&cv, BT), a.ln2_rstd = carve(&cv, BT);
        a.ffn_a = carve(&cv, BT * F), a.ffn_b = c->ffn == FFN_SWIGLU ? carve(&cv, BT * F) : NULL;
        a.ffn_h = carve(&cv, BT * F);
        if (base) m->layer[l] = a;
    }
    real *x_out = carve(&cv, BT * C), *lnf = carve(&cv, BT * C), *lnf_mean = carve(&cv, BT);
    real *lnf_rstd = carve(&cv, BT), *logits = carve(&cv, BT * V), *probs = carve(&cv, BT * V);
    real *d[15];
    const size_t dsz[15] = {BT * C, BT * C, BT * C, BT * C, BT * C, BT * C, BT * C, BT * C, BT * C, BT * C,
                            att,    BT * F, BT * F, BT * V, (size_t)m->B_max * C * head_ld(m->T_max)};
    for (int i = 0; i < 15; i++) d[i] = carve(&cv, dsz[i]);
    if (base) {
        m->x_out = x_out, m->lnf = lnf, m->lnf_mean = lnf_mean, m->lnf_rstd = lnf_rstd;
        m->logits = logits, m->probs = probs;
        m->d_x = d[0], m->d_ln = d[1], m->d_y = d[2], m->d_q = d[3], m->d_k = d[4], m->d_v = d[5];
        m->d_qr = d[6], m->d_kr = d[7], m->d_s1 = d[8], m->d_s2 = d[9], m->d_att = d[10];
        m->d_f1 = d[11], m->d_f2 = d[12], m->d_logits = d[13];
        m->kvt = d[14];
    }
    if (total) *total = cv.total;
    return cv.at;
}

double model_bytes_needed(const ModelConfig *cfg, int B, int T, int training) {
    // The same layouts model_create and model_alloc_acts use, measured
    // without allocating; cfg must pass model_config_check.
    Model m;
    memset(&m, 0, sizeof m);
    m.cfg = *cfg;
    m.d = cfg->n_embd / cfg->n_head;
    m.F = cfg->ffn_hidden;
    m.B_max = B, m.T_max = T;
    Offsets o = {0};
    o.blk = malloc((size_t)cfg->n_layer * B_COUNT * sizeof(size_t));
    if (!o.blk) return INFINITY;
    layout(&m, &o); // counts only: m.tensors is NULL
    free(o.blk);
    double acts;
    carve_acts(&m, NULL, &acts);
    // parameters and gradients, plus AdamW's two moments when training
    const double params = (double)m.n_params * (training ? 4 : 2);
    return (params + acts) * sizeof(real) + 2.0 * B * T * sizeof(int);
}

int model_check_memory(const ModelConfig *c, int B, int T, int training, char *err, size_t errlen) {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return 0; // unknown: let the allocation decide
    const double have = (double)pages * (double)page, need = model_bytes_needed(c, B, T, training);
    if (need <= have) return 0;
    snprintf(err, errlen,
             "this model needs about %.1f GiB (%s activations for batch %d x %d) but the machine has %.1f GiB "
             "of memory; use a smaller n_embd, n_layer, ffn_hidden, block_size or batch",
             need / 1073741824.0,
             training ? "parameters, gradients, AdamW moments and" : "parameters, gradients and", B, T,
             have / 1073741824.0);
    return -1;
}

int model_alloc_acts(Model *m, int B, int T, char *err, size_t errlen) {
    free(m->acts), free(m->layer), free(m->inputs), free(m->targets);
    m->B_max = B, m->T_max = T;
    m->n_acts = carve_acts(m, NULL, NULL);
    m->acts = calloc(m->n_acts, sizeof(real));
    m->layer = calloc((size_t)m->cfg.n_layer, sizeof(BlockActs));
    m->inputs = calloc((size_t)B * T, sizeof(int));
    m->targets = calloc((size_t)B * T, sizeof(int));
    if (!m->acts || !m->layer || !m->inputs || !m->targets) {
        snprintf(err, errlen, "out of memory allocating activations for batch %d x %d (%.1f MiB)", B, T,
                 m->n_acts * sizeof(real) / 1048576.0);
        return -1;
    }
    carve_acts(m, m->acts, NULL);
    return 0;
}

void model_use_kernels(Model *m, KernelKind k) { m->k = kernels_select(k, m->cfg.attn == ATTN_DIFFERENTIAL); }

void model_free(Model *m) {
    free(m->params), free(m->grads), free(m->tensors), free(m->p.blocks), free(m->g.blocks);
    free(m->acts), free(m->layer), free(m->inputs), free(m->targets);
    memset(m, 0, sizeof *m);
}

// ------------------------------------------------------------ forward

// Tells the installed timer (Model.lap, e.g. `difftx bench`'s) that an
// operation of this kind just finished; the model itself keeps no clock.
static void lap(const Model *m, ProfKind kind, int backward) {
    if (m->lap) m->lap(m->lap_ctx, kind, backward);
}

// Block l's attention call (AttnCall in kernels.h): its inputs, where forward
// saves, the lambda and headwise-norm weights, the scratch. Backward adds the
// gradients.
static AttnCall attn_call(const Model *m, const BlockActs *a, const BlockParams *p, int l) {
    return (AttnCall){.B = m->B, .T = m->T, .H = m->cfg.n_head, .d = m->d, .q = a->q, .k = a->k, .v = a->v,
                      .out = a->y, .att = a->att, .att2 = a->att2, .o = a->o, .rstd = a->o_rstd,
                      .lambda = p->lambda_q1, .subln_w = m->cfg.no_subln ? NULL : p->subln_w,
                      .lambda_init = lambda_init_at(l), .eps = (real)m->cfg.norm_eps, .kvt = m->kvt};
}

static void norm_forward(const Model *m, real *out, real *mean, real *rstd, const real *x, const real *w,
                         const real *b, int N) {
    const int C = m->cfg.n_embd;
    if (m->cfg.norm == NORM_RMSNORM)
        rmsnorm_forward(out, rstd, x, w, N, C, (real)m->cfg.norm_eps);
    else
        layernorm_forward(out, mean, rstd, x, w, b, N, C, (real)m->cfg.norm_eps);
}

static void norm_backward(const Model *m, real *dx, real *dw, real *db, const real *dout, const real *x,
                          const real *w, const real *mean, const real *rstd, int N) {
    const int C = m->cfg.n_embd;
    if (m->cfg.norm == NORM_RMSNORM)
        rmsnorm_backward(dx, dw, dout, x, w, rstd, N, C);
    else
        layernorm_backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
}

static void add_into(real *out, const real *a, const real *b, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

double model_forward(Model *m, const int *inputs, const int *targets, int B, int T) {
    const ModelConfig *c = &m->cfg;
    const int C = c->n_embd, H = c->n_head, d = m->d, F = m->F, V = c->vocab_size, N = B * T;
    const size_t NC = (size_t)N * C;
    m->B = B, m->T = T;
    memcpy(m->inputs, inputs, (size_t)N * sizeof(int));
    if (targets) memcpy(m->targets, targets, (size_t)N * sizeof(int));

    real *x = m->layer[0].x_in;
    embedding_forward(x, inputs, m->p.tok_emb, N, C);
    if (c->pos == POS_SINUSOIDAL) sinusoidal_forward(x, B, T, C);
    lap(m, PROF_EMBED, 0);
    for (int l = 0; l < c->n_layer; l++) {
        BlockActs *a = &m->layer[l];
        const BlockParams *p = &m->p.blocks[l];
        // attention sub-layer: x_mid = x_in + wo(attn(norm1(x_in)))
        norm_forward(m, a->ln1, a->ln1_mean, a->ln1_rstd, a->x_in, p->norm1_w, p->norm1_b, N);
        lap(m, PROF_NORM, 0);
        real *q = c->pos == POS_ROTARY ? a->q_pre : a->q, *k = c->pos == POS_ROTARY ? a->k_pre : a->k;
        m->k.linear_forward(q, a->ln1, p->wq, NULL, N, C, C);
        m->k.linear_forward(k, a->ln1, p->wk, NULL, N, C, C);
        m->k.linear_forward(a->v, a->ln1, p->wv, NULL, N, C, C);
        lap(m, PROF_LINEAR, 0);
        if (c->pos == POS_ROTARY) {
                rope_forward(a->q, a->q_pre, B, T, H, d, c->rope_base);
                rope_forward(a->k, a->k_pre, B, T, H, d, c->rope_base);
                lap(m, PROF_ROPE, 0);
            }
        const AttnCall ac = attn_call(m, a, p, l);
        m->k.attn_forward(&ac);
        lap(m, PROF_ATTN, 0);
        real *proj = m->d_s1; // scratch: the sub-layer's output before the residual add
        m->k.linear_forward(proj, a->y, p->wo, NULL, N, C, C);
        add_into(a->x_mid, a->x_in, proj, NC);
        lap(m, PROF_LINEAR, 0);
        // feed-forward sub-layer: x_out = x_mid + ffn(norm2(x_mid))
        norm_forward(m, a->ln2, a->ln2_mean, a->ln2_rstd, a->x_mid, p->norm2_w, p->norm2_b, N);
        lap(m, PROF_NORM, 0);
        real *next = l + 1 < c->n_layer ? m->layer[l + 1].x_in : m->x_out;
        if (c->ffn == FFN_SWIGLU)
            m->k.swiglu_forward(proj, (SwigluSaved){a->ffn_a, a->ffn_b, a->ffn_h}, a->ln2,
                                (SwigluWeights){p->w_gate, p->w_up, p->w_down}, N, C, F);
        else
            m->k.relu_forward(proj, (ReluSaved){a->ffn_a, a->ffn_h}, a->ln2, (ReluWeights){p->w1, p->b1, p->w2, p->b2},
                              N, C, F);
        add_into(next, a->x_mid, proj, NC);
        lap(m, PROF_FFN, 0);
    }
    norm_forward(m, m->lnf, m->lnf_mean, m->lnf_rstd, m->x_out, m->p.norm_f_w, m->p.norm_f_b, N);
    lap(m, PROF_NORM, 0);
    m->k.linear_forward(m->logits, m->lnf, m->p.lm_head, NULL, N, C, V);
    lap(m, PROF_LINEAR, 0);
    m->loss = targets ? crossentropy_forward(m->probs, m->logits, targets, N, V) : 0;
    lap(m, PROF_LOSS, 0);
    return m->loss;
}

void model_zero_grad(Model *m) { memset(m->grads, 0, m->n_params * sizeof(real)); }

// ------------------------------------------------------------ backward

void model_backward(Model *m) {
    const ModelConfig *c = &m->cfg;
    const int B = m->B, T = m->T, C = c->n_embd, H = c->n_head, d = m->d, F = m->F, V = c->vocab_size;
    const int N = B * T;
    const size_t NC = (size_t)N * C;
    ModelParams *g = &m->g;

    memset(m->d_logits, 0, (size_t)N * V * sizeof(real));
    crossentropy_backward(m->d_logits, m->probs, m->targets, N, V, 1);
    lap(m, PROF_LOSS, 1);
    memset(m->d_ln, 0, NC * sizeof(real));
    m->k.linear_backward(m->d_ln, g->lm_head, NULL, m->d_logits, m->lnf, m->p.lm_head, N, C, V);
    lap(m, PROF_LINEAR, 1);
    memset(m->d_x, 0, NC * sizeof(real));
    norm_backward(m, m->d_x, g->norm_f_w, g->norm_f_b, m->d_ln, m->x_out, m->p.norm_f_w, m->lnf_mean, m->lnf_rstd, N);
    lap(m, PROF_NORM, 1);

    for (int l = c->n_layer - 1; l >= 0; l--) {
        const BlockActs *a = &m->layer[l];
        const BlockParams *p = &m->p.blocks[l];
        BlockParams *gp = &g->blocks[l];
        // feed-forward sub-layer: d_x is dL/d(x_mid + ffn(...)); the residual
        // path keeps it, the ffn path adds through norm2.
        memset(m->d_ln, 0, NC * sizeof(real));
        if (c->ffn == FFN_SWIGLU)
            m->k.swiglu_backward(m->d_ln, (SwigluGrads){gp->w_gate, gp->w_up, gp->w_down}, m->d_f1, m->d_f2, m->d_x,
                                 a->ln2, (SwigluSaved){a->ffn_a, a->ffn_b, a->ffn_h},
                                 (SwigluWeights){p->w_gate, p->w_up, p->w_down}, N, C, F);
        else
            m->k.relu_backward(m->d_ln, (ReluGrads){gp->w1, gp->b1, gp->w2, gp->b2}, m->d_f1, m->d_x, a->ln2,
                               (ReluSaved){a->ffn_a, a->ffn_h}, (ReluWeights){p->w1, p->b1, p->w2, p->b2}, N, C, F);
        lap(m, PROF_FFN, 1);
        norm_backward(m, m->d_x, gp->norm2_w, gp->norm2_b, m->d_ln, a->x_mid, p->norm2_w, a->ln2_mean, a->ln2_rstd, N);
        lap(m, PROF_NORM, 1);
        // attention sub-layer, the same way
        memset(m->d_y, 0, NC * sizeof(real));
        m->k.linear_backward(m->d_y, gp->wo, NULL, m->d_x, a->y, p->wo, N, C, C);
        lap(m, PROF_LINEAR, 1);
        const int rot = c->pos == POS_ROTARY;
        real *dq = rot ? m->d_qr : m->d_q, *dk = rot ? m->d_kr : m->d_k;
        memset(dq, 0, NC * sizeof(real)), memset(dk, 0, NC * sizeof(real));
        memset(m->d_v, 0, NC * sizeof(real));
        AttnCall ac = attn_call(m, a, p, l);
        ac.dout = m->d_y, ac.dq = dq, ac.dk = dk, ac.dv = m->d_v, ac.dlambda = gp->lambda_q1;
        ac.dsubln_w = gp->subln_w, ac.datt = m->d_att, ac.sc_out = m->d_s1, ac.sc_o = m->d_s2;
        m->k.attn_backward(&ac);
        lap(m, PROF_ATTN, 1);
        if (rot) {
                memset(m->d_q, 0, NC * sizeof(real)), memset(m->d_k, 0, NC * sizeof(real));
                rope_backward(m->d_q, m->d_qr, B, T, H, d, c->rope_base);
                rope_backward(m->d_k, m->d_kr, B, T, H, d, c->rope_base);
                lap(m, PROF_ROPE, 1);
            }
        memset(m->d_ln, 0, NC * sizeof(real));
        m->k.linear_backward(m->d_ln, gp->wq, NULL, m->d_q, a->ln1, p->wq, N, C, C);
        m->k.linear_backward(m->d_ln, gp->wk, NULL, m->d_k, a->ln1, p->wk, N, C, C);
        m->k.linear_backward(m->d_ln, gp->wv, NULL, m->d_v, a->ln1, p->wv, N, C, C);
        lap(m, PROF_LINEAR, 1);
        norm_backward(m, m->d_x, gp->norm1_w, gp->norm1_b, m->d_ln, a->x_in, p->norm1_w, a->ln1_mean, a->ln1_rstd, N);
        lap(m, PROF_NORM, 1);
    }
    if (c->pos == POS_SINUSOIDAL) sinusoidal_backward(m->d_x, B, T, C);
    embedding_backward(g->tok_emb, m->d_x, m->inputs, N, C);
    lap(m, PROF_EMBED, 1);
}
