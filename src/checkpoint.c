// checkpoint.c — the model <-> named tensors, as SPEC.md's checkpoint table.
//
// Model tensors are always stored as F32 whatever `real` is, so a file is the
// same from the float and the double build and any framework can load it.
#include "checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"

#define MAX_META 48

typedef struct {
    const char *keys[MAX_META], *vals[MAX_META];
    char buf[MAX_META][64];
    int n;
} Meta;

static void meta_add(Meta *mt, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#include <stdarg.h>
static void meta_add(Meta *mt, const char *key, const char *fmt, ...) {
    if (mt->n >= MAX_META) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mt->buf[mt->n], sizeof mt->buf[mt->n], fmt, ap);
    va_end(ap);
    mt->keys[mt->n] = key, mt->vals[mt->n] = mt->buf[mt->n];
    mt->n++;
}

static void model_meta(Meta *mt, const ModelConfig *c) {
    meta_add(mt, "format", "difftx");
    meta_add(mt, "version", "1");
    meta_add(mt, "attn", "%s", attn_names[c->attn]);
    meta_add(mt, "pos", "%s", pos_names[c->pos]);
    meta_add(mt, "norm", "%s", norm_names[c->norm]);
    meta_add(mt, "ffn", "%s", ffn_names[c->ffn]);
    meta_add(mt, "ffn_hidden", "%d", c->ffn_hidden);
    meta_add(mt, "norm_eps", "%.9g", c->norm_eps);
    meta_add(mt, "rope_base", "%.9g", c->rope_base);
    meta_add(mt, "vocab_size", "%d", c->vocab_size);
    meta_add(mt, "block_size", "%d", c->block_size);
    meta_add(mt, "n_layer", "%d", c->n_layer);
    meta_add(mt, "n_head", "%d", c->n_head);
    meta_add(mt, "n_embd", "%d", c->n_embd);
    if (c->no_subln) meta_add(mt, "no_subln", "1"); // the ablation; absent means SPEC's model
}

// The file's F32 values of n reals: in the float build the array itself (no
// copy: saving adds nothing to the peak memory of training), in the double
// build a converted copy, returned in *owned to be freed. NULL: out of memory.
static const float *as_f32(const real *x, size_t n, float **owned) {
    *owned = NULL;
#ifdef DIFFTX_DOUBLE
    float *f = malloc((n ? n : 1) * sizeof(float));
    if (f)
        for (size_t i = 0; i < n; i++) f[i] = (float)x[i];
    return *owned = f;
#else
    (void)n;
    return x;
#endif
}

// Writes the model's tensors from `values` (params or grads) plus extras.
static int save(const char *path, const Model *m, const real *values, const Vocab *v, const real *am,
                const real *av, const TrainState *ts, char *err, size_t errlen) {
    const int n = m->n_tensors + 3;
    StOut *outs = calloc((size_t)n, sizeof(StOut));
    float *own_p, *own_m = NULL, *own_v = NULL;
    const float *flat = as_f32(values, m->n_params, &own_p);
    const float *fm = am ? as_f32(am, m->n_params, &own_m) : NULL, *fv = av ? as_f32(av, m->n_params, &own_v) : NULL;
    int rc = -1;
    if (!outs || !flat || (am && !fm) || (av && !fv)) {
        snprintf(err, errlen, "%s: out of memory preparing the checkpoint", path);
        goto done;
    }
    int k = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *t = &m->tensors[i];
        outs[k++] = (StOut){.name = t->name, .dtype = ST_F32, .ndim = t->ndim,
                            .shape = {t->shape[0], t->shape[1]}, .data = flat + t->offset};
    }
    if (v) outs[k++] = (StOut){.name = "tokenizer.vocab", .dtype = ST_U8, .ndim = 1, .shape = {v->size}, .data = v->itos};
    if (fm && fv) {
        outs[k++] = (StOut){.name = "optimizer.exp_avg", .dtype = ST_F32, .ndim = 1, .shape = {(int64_t)m->n_params}, .data = fm};
        outs[k++] = (StOut){.name = "optimizer.exp_avg_sq", .dtype = ST_F32, .ndim = 1, .shape = {(int64_t)m->n_params}, .data = fv};
    }
    Meta mt = {.n = 0};
    model_meta(&mt, &m->cfg);
    if (ts && ts->present) {
        meta_add(&mt, "step", "%ld", ts->iter);
        meta_add(&mt, "train.iter", "%ld", ts->iter);
        meta_add(&mt, "train.rng", "%" PRIu64, ts->rng);
        meta_add(&mt, "train.seed", "%" PRIu64, ts->seed);
        meta_add(&mt, "train.batch", "%d", ts->batch);
        meta_add(&mt, "train.max_iters", "%ld", ts->max_iters);
        meta_add(&mt, "train.warmup", "%ld", ts->warmup);
        meta_add(&mt, "train.eval_every", "%ld", ts->eval_every);
        meta_add(&mt, "train.eval_iters", "%ld", ts->eval_iters);
        meta_add(&mt, "train.save_every", "%ld", ts->save_every);
        meta_add(&mt, "train.lr", "%.17g", ts->lr);
        meta_add(&mt, "train.min_lr", "%.17g", ts->min_lr);
        meta_add(&mt, "train.weight_decay", "%.17g", ts->weight_decay);
        meta_add(&mt, "train.max_time", "%.17g", ts->max_time);
        meta_add(&mt, "train.last_val", "%.17g", ts->last_val);
        meta_add(&mt, "train.elapsed", "%.17g", ts->elapsed);
    }
    rc = st_write(path, outs, k, mt.keys, mt.vals, mt.n, err, errlen);
done:
    free(outs), free(own_p), free(own_m), free(own_v);
    return rc;
}

int checkpoint_save(const char *path, const Model *m, const Vocab *v, const real *adam_m, const real *adam_v,
                    const TrainState *ts, char *err, size_t errlen) {
    int with_state = ts && ts->present && adam_m && adam_v;
    return save(path, m, m->params, v, with_state ? adam_m : NULL, with_state ? adam_v : NULL, ts, err, errlen);
}

int checkpoint_save_grads(const char *path, const Model *m, char *err, size_t errlen) {
    return save(path, m, m->grads, NULL, NULL, NULL, NULL, err, errlen);
}

// ------------------------------------------------------------ reading

static int meta_int(const StFile *f, const char *path, const char *key, long lo, long hi, long *out, char *err,
                    size_t errlen) {
    const char *s = st_meta(f, key);
    if (!s) {
        snprintf(err, errlen, "%s: metadata has no \"%s\" (not a difftx checkpoint, or an incomplete one)", path, key);
        return -1;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        snprintf(err, errlen, "%s: metadata \"%s\" = \"%s\": expected an integer in [%ld, %ld]", path, key, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int meta_double(const StFile *f, const char *key, double dflt, double *out) {
    const char *s = st_meta(f, key);
    if (!s) {
        *out = dflt;
        return 0;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end) return -1;
    *out = v;
    return 0;
}

static int meta_choice(const StFile *f, const char *path, const char *key, const char *const names[2], int dflt,
                       int *out, char *err, size_t errlen) {
    const char *s = st_meta(f, key);
    if (!s) {
        *out = dflt;
        return 0;
    }
    for (int i = 0; i < 2; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return 0;
        }
    snprintf(err, errlen, "%s: metadata \"%s\" = \"%s\": expected %s or %s", path, key, s, names[0], names[1]);
    return -1;
}

// Copies an F32 tensor of exactly n values into dst, checking finiteness.
static int read_f32(const char *path, const StTensor *t, real *dst, size_t n, char *err, size_t errlen) {
    if (t->dtype != ST_F32 || t->numel != n) {
        snprintf(err, errlen, "%s: tensor \"%s\" is %s with %zu values, expected F32 with %zu", path, t->name,
                 st_dtype_name(t->dtype), t->numel, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        float x;
        memcpy(&x, t->data + i * sizeof(float), sizeof x);
        if (!isfinite(x)) {
            snprintf(err, errlen, "%s: tensor \"%s\" holds a non-finite value (%g) at index %zu", path, t->name,
                     (double)x, i);
            return -1;
        }
        dst[i] = (real)x;
    }
    return 0;
}

// Before the model is allocated, the metadata must agree with the tensors the
// file actually holds: otherwise a header could ask for any amount of memory.
static int meta_agrees(const StFile *f, const char *path, const ModelConfig *c, char *err, size_t errlen) {
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "lm_head" : "tok_emb";
        const StTensor *t = st_find(f, name);
        if (!t) {
            snprintf(err, errlen, "%s: missing tensor \"%s\"", path, name);
            return -1;
        }
        if (t->ndim != 2 || t->shape[0] != c->vocab_size || t->shape[1] != c->n_embd) {
            char got[64] = "[]";
            if (t->ndim == 1) snprintf(got, sizeof got, "[%" PRId64 "]", t->shape[0]);
            else if (t->ndim >= 2) snprintf(got, sizeof got, "[%" PRId64 ", %" PRId64 "%s]", t->shape[0], t->shape[1],
                                            t->ndim > 2 ? ", ..." : "");
            snprintf(err, errlen,
                     "%s: metadata says vocab_size = %d and n_embd = %d, but tensor \"%s\" has shape %s, expected "
                     "[%d, %d] (the metadata contradicts the tensors)",
                     path, c->vocab_size, c->n_embd, name, got, c->vocab_size, c->n_embd);
            return -1;
        }
    }
    char name[64];
    snprintf(name, sizeof name, "blocks.%d.attn.wq", c->n_layer - 1);
    if (!st_find(f, name)) {
        snprintf(err, errlen, "%s: metadata says n_layer = %d, but the file has no tensor \"%s\"", path, c->n_layer,
                 name);
        return -1;
    }
    snprintf(name, sizeof name, "blocks.%d.attn.wq", c->n_layer);
    if (st_find(f, name)) {
        snprintf(err, errlen, "%s: metadata says n_layer = %d, but the file also has tensor \"%s\"", path,
                 c->n_layer, name);
        return -1;
    }
    // The model's tensors must fit in the bytes the file holds (a lower bound
    // of their size: embeddings, attention and two feed-forward matrices).
    const double C = c->n_embd, V = c->vocab_size, F = c->ffn_hidden, L = c->n_layer;
    const double need = 4.0 * (2 * V * C + L * (4 * C * C + 2 * F * C));
    if (need > (double)f->len) {
        snprintf(err, errlen,
                 "%s: metadata (n_layer = %d, n_embd = %d, ffn_hidden = %d) describes %.0f bytes of F32 tensors, but "
                 "the file has only %zu bytes (the metadata contradicts the tensors)",
                 path, c->n_layer, c->n_embd, c->ffn_hidden, need, f->len);
        return -1;
    }
    return 0;
}

static int load_from(StFile *fp, const char *path, Model *m, Vocab *v, real **adam_m, real **adam_v,
                     TrainState *ts, char *err, size_t errlen);

int checkpoint_load(const char *path, Model *m, Vocab *v, real **adam_m, real **adam_v, TrainState *ts,
                    char *err, size_t errlen) {
    StFile f;
    memset(m, 0, sizeof *m);
    if (adam_m) *adam_m = NULL;
    if (adam_v) *adam_v = NULL;
    if (ts) memset(ts, 0, sizeof *ts);
    if (st_read(path, &f, err, errlen)) return -1;
    return load_from(&f, path, m, v, adam_m, adam_v, ts, err, errlen);
}

int checkpoint_parse(const unsigned char *buf, size_t len, const char *label, Model *m, Vocab *v, real **adam_m,
                     real **adam_v, TrainState *ts, char *err, size_t errlen) {
    StFile f;
    memset(m, 0, sizeof *m);
    if (adam_m) *adam_m = NULL;
    if (adam_v) *adam_v = NULL;
    if (ts) memset(ts, 0, sizeof *ts);
    if (!label) label = "(memory)";
    if (st_parse(buf, len, label, &f, err, errlen)) return -1;
    return load_from(&f, label, m, v, adam_m, adam_v, ts, err, errlen);
}

// Takes ownership of *fp (freed on every path).
static int load_from(StFile *fp, const char *path, Model *m, Vocab *v, real **adam_m, real **adam_v,
                     TrainState *ts, char *err, size_t errlen) {
    StFile f = *fp;
    ModelConfig c = model_config_default();
    long vals[6];
    const char *keys[6] = {"vocab_size", "block_size", "n_layer", "n_head", "n_embd", "ffn_hidden"};
    const long his[6] = {256, 1 << 20, 4096, 4096, 1 << 20, 1 << 24};
    int attn, pos, norm, ffn;
    const char *fmt = st_meta(&f, "format");
    if (!fmt || strcmp(fmt, "difftx")) {
        snprintf(err, errlen, "%s: metadata \"format\" is %s%s%s, expected \"difftx\" (not a difftx checkpoint)",
                 path, fmt ? "\"" : "", fmt ? fmt : "missing", fmt ? "\"" : "");
        goto fail;
    }
    for (int i = 0; i < 6; i++)
        if (meta_int(&f, path, keys[i], 1, his[i], &vals[i], err, errlen)) goto fail;
    if (meta_choice(&f, path, "attn", attn_names, ATTN_DIFFERENTIAL, &attn, err, errlen) ||
        meta_choice(&f, path, "pos", pos_names, POS_ROTARY, &pos, err, errlen) ||
        meta_choice(&f, path, "norm", norm_names, NORM_RMSNORM, &norm, err, errlen) ||
        meta_choice(&f, path, "ffn", ffn_names, FFN_SWIGLU, &ffn, err, errlen))
        goto fail;
    c.attn = attn, c.pos = pos, c.norm = norm, c.ffn = ffn;
    c.vocab_size = (int)vals[0], c.block_size = (int)vals[1], c.n_layer = (int)vals[2];
    c.n_head = (int)vals[3], c.n_embd = (int)vals[4], c.ffn_hidden = (int)vals[5];
    long no_subln = 0;
    if (st_meta(&f, "no_subln") && meta_int(&f, path, "no_subln", 0, 1, &no_subln, err, errlen)) goto fail;
    c.no_subln = (int)no_subln;
    if (meta_double(&f, "norm_eps", 1e-5, &c.norm_eps) || meta_double(&f, "rope_base", 10000, &c.rope_base)) {
        snprintf(err, errlen, "%s: metadata norm_eps or rope_base is not a number", path);
        goto fail;
    }
    char cerr[256];
    if (model_config_check(&c, cerr, sizeof cerr)) {
        snprintf(err, errlen, "%s: metadata describes an impossible model: %s", path, cerr);
        goto fail;
    }
    if (meta_agrees(&f, path, &c, err, errlen)) goto fail;
    if (model_create(m, &c, cerr, sizeof cerr)) {
        snprintf(err, errlen, "%s: %s", path, cerr);
        goto fail;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *pt = &m->tensors[i];
        const StTensor *t = st_find(&f, pt->name);
        if (!t) {
            snprintf(err, errlen, "%s: missing tensor \"%s\" (needed by this %s/%s/%s/%s model)", path, pt->name,
                     attn_names[c.attn], pos_names[c.pos], norm_names[c.norm], ffn_names[c.ffn]);
            goto fail;
        }
        int ok = t->ndim == pt->ndim && t->shape[0] == pt->shape[0] && (pt->ndim == 1 || t->shape[1] == pt->shape[1]);
        if (!ok) {
            char want[48], got[96];
            snprintf(want, sizeof want, pt->ndim == 1 ? "[%d]" : "[%d, %d]", pt->shape[0], pt->shape[1]);
            int o = snprintf(got, sizeof got, "[");
            for (int d = 0; d < t->ndim && o < (int)sizeof got - 24; d++)
                o += snprintf(got + o, sizeof got - (size_t)o, "%s%" PRId64, d ? ", " : "", t->shape[d]);
            snprintf(got + o, sizeof got - (size_t)o, "]");
            snprintf(err, errlen,
                     "%s: tensor \"%s\" has shape %s, expected %s from the metadata (n_embd = %d, n_head = %d, "
                     "ffn_hidden = %d, vocab_size = %d)",
                     path, pt->name, got, want, c.n_embd, c.n_head, c.ffn_hidden, c.vocab_size);
            goto fail;
        }
        if (read_f32(path, t, m->params + pt->offset, pt->size, err, errlen)) goto fail;
    }
    const StTensor *tv = st_find(&f, "tokenizer.vocab");
    if (!tv) {
        snprintf(err, errlen, "%s: missing tensor \"tokenizer.vocab\"", path);
        goto fail;
    }
    if (tv->dtype != ST_U8 || tv->ndim != 1 || tv->shape[0] != c.vocab_size) {
        snprintf(err, errlen, "%s: tensor \"tokenizer.vocab\" must be U8 of shape [%d] (vocab_size)", path,
                 c.vocab_size);
        goto fail;
    }
    memset(v, 0, sizeof *v);
    for (int i = 0; i < 256; i++) v->stoi[i] = -1;
    v->size = c.vocab_size;
    for (int i = 0; i < c.vocab_size; i++) {
        unsigned char b = tv->data[i];
        if (v->stoi[b] >= 0) {
            snprintf(err, errlen, "%s: tokenizer.vocab lists byte 0x%02X twice (at %d and %d)", path, b, v->stoi[b], i);
            goto fail;
        }
        v->itos[i] = b, v->stoi[b] = i;
    }
    const StTensor *tm = st_find(&f, "optimizer.exp_avg"), *tq = st_find(&f, "optimizer.exp_avg_sq");
    long iter;
    if (adam_m && adam_v && ts && tm && tq && st_meta(&f, "train.iter")) {
        *adam_m = calloc(m->n_params, sizeof(real));
        *adam_v = calloc(m->n_params, sizeof(real));
        if (!*adam_m || !*adam_v) {
            snprintf(err, errlen, "%s: out of memory reading optimizer state", path);
            goto fail;
        }
        if (read_f32(path, tm, *adam_m, m->n_params, err, errlen) ||
            read_f32(path, tq, *adam_v, m->n_params, err, errlen))
            goto fail;
        long b, mi, wu, ee, ei, se;
        if (meta_int(&f, path, "train.iter", 0, 1L << 40, &iter, err, errlen) ||
            meta_int(&f, path, "train.batch", 1, 1 << 20, &b, err, errlen) ||
            meta_int(&f, path, "train.max_iters", 0, 1L << 40, &mi, err, errlen) ||
            meta_int(&f, path, "train.warmup", 0, 1L << 40, &wu, err, errlen) ||
            meta_int(&f, path, "train.eval_every", 0, 1L << 40, &ee, err, errlen) ||
            meta_int(&f, path, "train.eval_iters", 0, 1L << 40, &ei, err, errlen) ||
            meta_int(&f, path, "train.save_every", 0, 1L << 40, &se, err, errlen))
            goto fail;
        const char *rs = st_meta(&f, "train.rng"), *ss = st_meta(&f, "train.seed");
        ts->present = 1, ts->iter = iter, ts->batch = (int)b, ts->max_iters = mi, ts->warmup = wu;
        ts->eval_every = ee, ts->eval_iters = ei, ts->save_every = se;
        ts->rng = rs ? strtoull(rs, NULL, 10) : 0, ts->seed = ss ? strtoull(ss, NULL, 10) : 0;
        if (meta_double(&f, "train.lr", 1e-3, &ts->lr) || meta_double(&f, "train.min_lr", 1e-4, &ts->min_lr) ||
            meta_double(&f, "train.weight_decay", 0.1, &ts->weight_decay) ||
            meta_double(&f, "train.max_time", 0, &ts->max_time) ||
            meta_double(&f, "train.last_val", NAN, &ts->last_val) ||
            meta_double(&f, "train.elapsed", 0, &ts->elapsed)) {
            snprintf(err, errlen, "%s: a train.* metadata value is not a number", path);
            goto fail;
        }
        const struct {
            const char *key;
            double value, lo, hi;
        } checks[] = {{"train.lr", ts->lr, 1e-12, 1e3},           {"train.min_lr", ts->min_lr, 0, 1e3},
                      {"train.weight_decay", ts->weight_decay, 0, 1e3}, {"train.max_time", ts->max_time, 0, 1e12},
                      {"train.elapsed", ts->elapsed, 0, 1e15}};
        for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++)
            if (!(checks[k].value >= checks[k].lo && checks[k].value <= checks[k].hi)) {
                snprintf(err, errlen, "%s: metadata \"%s\" = %g: expected a number in [%g, %g]", path, checks[k].key,
                         checks[k].value, checks[k].lo, checks[k].hi);
                goto fail;
            }
    } else if (ts) {
        long step = 0;
        const char *s = st_meta(&f, "step");
        if (s) step = strtol(s, NULL, 10);
        ts->iter = step;
    }
    st_free(&f);
    return 0;
fail:
    st_free(&f);
    model_free(m);
    if (adam_m) free(*adam_m), *adam_m = NULL;
    if (adam_v) free(*adam_v), *adam_v = NULL;
    return -1;
}
