// test_checkpoint.c — checkpoints round-trip bit-exactly and refuse broken
// files; SPEC's evaluation (loss and gradient) agrees with direct forward and
// backward passes; sampling is reproducible and greedy where it should be.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "eval.h"
#include "io/safetensors.h"
#include "sample.h"
#include "test_util.h"

static const char text[] = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n";

typedef struct {
    char dir[64];
    char path[128];
} Tmp;

static void tmp_open(Tmp *t) {
    strcpy(t->dir, "/tmp/difftx-ckpt-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
}
static const char *tmp_file(Tmp *t, const char *name) {
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    return t->path;
}
static void tmp_close(Tmp *t, const char *const *names, int n) {
    for (int i = 0; i < n; i++) unlink(tmp_file(t, names[i]));
    assert_int_equal(rmdir(t->dir), 0);
}

// A tiny differential model over the vocabulary of `text`, with parameters
// already representable in F32 (so the double build round-trips exactly).
static void tiny_model(Model *m, Vocab *v, int B, uint64_t seed) {
    vocab_build(v, (const unsigned char *)text, sizeof text - 1);
    ModelConfig c = model_config_default();
    c.vocab_size = v->size, c.block_size = 8, c.n_layer = 2, c.n_head = 4, c.n_embd = 16;
    c.ffn_hidden = model_default_ffn_hidden(c.ffn, c.n_embd);
    char err[256];
    assert_int_equal(model_create(m, &c, err, sizeof err), 0);
    assert_int_equal(model_alloc_acts(m, B, c.block_size, err, sizeof err), 0);
    model_init_weights(m, seed);
    // Larger than the initialisation, so the model has opinions to sample.
    Rng r;
    rng_seed(&r, seed + 1);
    for (size_t i = 0; i < m->n_params; i++) m->params[i] = (real)(float)(m->params[i] + 0.2 * rng_normal(&r));
}

static int *encode_text(const Vocab *v, size_t *n) {
    *n = sizeof text - 1;
    int *ids = malloc(*n * sizeof(int));
    assert_int_equal(vocab_encode(v, (const unsigned char *)text, *n, ids, NULL), 0);
    return ids;
}

// ------------------------------------------------------------ (a) round trip

static void test_roundtrip(void **state) {
    (void)state;
    Model m, l;
    Vocab v, lv;
    tiny_model(&m, &v, 1, 5);
    real *am = malloc(m.n_params * sizeof(real)), *av = malloc(m.n_params * sizeof(real));
    Rng r;
    rng_seed(&r, 9);
    for (size_t i = 0; i < m.n_params; i++)
        am[i] = (real)(float)(1e-3 * rng_normal(&r)), av[i] = (real)(float)(1e-6 * rng_uniform(&r));
    TrainState ts = {.present = 1, .iter = 1234, .rng = 0xfedcba9876543210ull, .seed = 18446744073709551557ull,
                     .batch = 12, .max_iters = 5000, .warmup = 100, .eval_every = 250, .eval_iters = 20,
                     .save_every = 500, .lr = 1e-3 / 3, .min_lr = 1e-4, .weight_decay = 0.1, .max_time = 60.5,
                     .last_val = 1.4142135623730951, .elapsed = 3.0 / 7};
    Tmp t;
    tmp_open(&t);
    char err[512];
    assert_int_equal(checkpoint_save(tmp_file(&t, "a.safetensors"), &m, &v, am, av, &ts, err, sizeof err), 0);

    real *lm = NULL, *lvv = NULL;
    TrainState lt;
    if (checkpoint_load(tmp_file(&t, "a.safetensors"), &l, &lv, &lm, &lvv, &lt, err, sizeof err)) fail_msg("%s", err);
    assert_memory_equal(&l.cfg, &m.cfg, sizeof m.cfg);
    assert_int_equal(l.n_params, m.n_params);
    assert_memory_equal(l.params, m.params, m.n_params * sizeof(real));
    assert_non_null(lm);
    assert_non_null(lvv);
    assert_memory_equal(lm, am, m.n_params * sizeof(real));
    assert_memory_equal(lvv, av, m.n_params * sizeof(real));
    assert_int_equal(lt.present, 1);
    assert_int_equal(lt.iter, ts.iter);
    assert_true(lt.rng == ts.rng);
    assert_true(lt.seed == ts.seed);
    assert_int_equal(lt.batch, ts.batch);
    assert_int_equal(lt.max_iters, ts.max_iters);
    assert_int_equal(lt.warmup, ts.warmup);
    assert_int_equal(lt.eval_every, ts.eval_every);
    assert_int_equal(lt.eval_iters, ts.eval_iters);
    assert_int_equal(lt.save_every, ts.save_every);
    const double dt[] = {ts.lr, ts.min_lr, ts.weight_decay, ts.max_time, ts.last_val, ts.elapsed};
    const double dl[] = {lt.lr, lt.min_lr, lt.weight_decay, lt.max_time, lt.last_val, lt.elapsed};
    assert_memory_equal(dl, dt, sizeof dt);
    assert_int_equal(lv.size, v.size);
    assert_memory_equal(lv.itos, v.itos, (size_t)v.size);
    assert_memory_equal(lv.stoi, v.stoi, sizeof v.stoi);

    // SPEC's names, shapes, dtypes and metadata, read as a plain safetensors file.
    StFile f;
    assert_int_equal(st_read(tmp_file(&t, "a.safetensors"), &f, err, sizeof err), 0);
    const int V = v.size, C = 16, d = m.d, F = m.F;
    struct {
        const char *name;
        int ndim;
        int64_t s0, s1;
    } want[] = {
        {"tok_emb", 2, V, C}, {"lm_head", 2, V, C}, {"norm_f.weight", 1, C, 0},
        {"blocks.0.norm1.weight", 1, C, 0}, {"blocks.1.attn.wq", 2, C, C}, {"blocks.1.attn.wo", 2, C, C},
        {"blocks.1.attn.lambda_q1", 1, d, 0}, {"blocks.0.attn.lambda_k2", 1, d, 0},
        {"blocks.0.attn.subln.weight", 1, 2 * d, 0}, {"blocks.1.ffn.w_gate", 2, F, C},
        {"blocks.1.ffn.w_down", 2, C, F},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const StTensor *st = st_find(&f, want[i].name);
        if (!st) fail_msg("tensor %s missing", want[i].name);
        assert_int_equal(st->dtype, ST_F32);
        assert_int_equal(st->ndim, want[i].ndim);
        assert_int_equal(st->shape[0], want[i].s0);
        if (want[i].ndim == 2) assert_int_equal(st->shape[1], want[i].s1);
    }
    assert_null(st_find(&f, "blocks.0.norm1.bias")); // rmsnorm has none
    assert_null(st_find(&f, "blocks.2.attn.wq"));
    const StTensor *tv = st_find(&f, "tokenizer.vocab");
    assert_non_null(tv);
    assert_int_equal(tv->dtype, ST_U8);
    assert_int_equal(tv->shape[0], V);
    assert_memory_equal(tv->data, v.itos, (size_t)V);
    assert_string_equal(st_meta(&f, "format"), "difftx");
    assert_string_equal(st_meta(&f, "version"), "1");
    assert_string_equal(st_meta(&f, "attn"), "differential");
    const char *keys[] = {"pos", "norm", "ffn", "ffn_hidden", "norm_eps", "rope_base", "vocab_size",
                          "block_size", "n_layer", "n_head", "n_embd"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!st_meta(&f, keys[i])) fail_msg("metadata %s missing", keys[i]);
    assert_string_equal(st_meta(&f, "n_embd"), "16");
    st_free(&f);

    const char *files[] = {"a.safetensors"};
    tmp_close(&t, files, 1);
    free(am), free(av), free(lm), free(lvv);
    model_free(&m), model_free(&l);
}

// ------------------------------------------------------------ (b, c) evaluation

static void save_and_load(Model *m, const Vocab *v, Model *out, Vocab *ov, int B) {
    Tmp t;
    tmp_open(&t);
    char err[512];
    assert_int_equal(checkpoint_save(tmp_file(&t, "e.safetensors"), m, v, NULL, NULL, NULL, err, sizeof err), 0);
    if (checkpoint_load(tmp_file(&t, "e.safetensors"), out, ov, NULL, NULL, NULL, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(model_alloc_acts(out, B, out->cfg.block_size, err, sizeof err), 0);
    const char *files[] = {"e.safetensors"};
    tmp_close(&t, files, 1);
}

static void test_eval_loss(void **state) {
    (void)state;
    Model m0, m;
    Vocab v0, v;
    tiny_model(&m0, &v0, 1, 11);
    save_and_load(&m0, &v0, &m, &v, 7);
    size_t n;
    int *ids = encode_text(&v, &n);
    const int T = m.cfg.block_size;
    // 7 windows need 7 T + 1 tokens; two more do not make an eighth.
    const size_t n7 = 7 * (size_t)T + 3;
    assert_true(n >= n7);
    assert_int_equal(eval_n_windows(n7, T), 7);
    assert_int_equal(eval_n_windows((size_t)T, T), 0);
    assert_int_equal(eval_n_windows((size_t)T + 1, T), 1);

    double direct = 0;
    for (int k = 0; k < 7; k++) direct += model_forward(&m, ids + k * T, ids + k * T + 1, 1, T) / 7;
    double l1, l3, l7;
    assert_int_equal(eval_windows(&m, ids, n7, 1, &l1, 0), 0);
    assert_close(l1, direct, 1e-6 * direct);
    assert_int_equal(eval_windows(&m, ids, n7, 3, &l3, 0), 0); // batches of 3, 3, 1
    assert_close(l3, l1, 1e-5 * l1);
    assert_int_equal(eval_windows(&m, ids, n7, 7, &l7, 0), 0);
    assert_close(l7, l1, 1e-5 * l1);
    // The same model before saving gives the same loss.
    double l0;
    assert_int_equal(eval_windows(&m0, ids, n7, 1, &l0, 0), 0);
    assert_close(l0, l1, 1e-6 * l1);
    // Refusals: too short, batch beyond the activations.
    assert_int_equal(eval_windows(&m, ids, (size_t)T, 1, &l1, 0), -1);
    assert_int_equal(eval_windows(&m, ids, n7, 8, &l1, 0), -2);
    free(ids);
    model_free(&m0), model_free(&m);
}

// The no_subln ablation survives a save: the loaded model has no headwise
// norm and gives the saved model's loss, which differs from SPEC's model
// with the same weights.
static void test_no_subln_roundtrip(void **state) {
    (void)state;
    Model m0, m, spec;
    Vocab v0, v, vs;
    tiny_model(&m0, &v0, 1, 11);
    m0.cfg.no_subln = 1;
    save_and_load(&m0, &v0, &m, &v, 1);
    assert_int_equal(m.cfg.no_subln, 1);
    size_t n;
    int *ids = encode_text(&v, &n);
    const int T = m.cfg.block_size;
    double a = model_forward(&m0, ids, ids + 1, 1, T), b = model_forward(&m, ids, ids + 1, 1, T);
    assert_close(a, b, 1e-6 * a);
    tiny_model(&spec, &vs, 1, 11);
    double c = model_forward(&spec, ids, ids + 1, 1, T);
    assert_true(fabs(c - a) > 1e-3);
    free(ids);
    model_free(&m0), model_free(&m), model_free(&spec);
}

static double norm2(const real *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return sqrt(s);
}

static void test_eval_grad(void **state) {
    (void)state;
    Model m;
    Vocab v;
    tiny_model(&m, &v, 7, 13);
    size_t n;
    int *ids = encode_text(&v, &n);
    const int T = m.cfg.block_size;
    const size_t n7 = 7 * (size_t)T + 1;
    // All 7 windows in one batch: inputs and targets are contiguous runs.
    const double direct = model_forward(&m, ids, ids + 1, 7, T);
    model_zero_grad(&m);
    model_backward(&m);
    real *g = malloc(m.n_params * sizeof(real));
    memcpy(g, m.grads, m.n_params * sizeof(real));
    for (int batch = 1; batch <= 7; batch += 2) { // 1, 3 (ragged), 5 (ragged), 7
        double loss;
        for (size_t i = 0; i < m.n_params; i++) m.grads[i] = 7; // eval must not add to stale grads
        assert_int_equal(eval_windows(&m, ids, n7, batch, &loss, 1), 0);
        assert_close(loss, direct, 1e-5 * direct);
        for (int ti = 0; ti < m.n_tensors; ti++) {
            const ParamTensor *pt = &m.tensors[ti];
            real *diff = malloc(pt->size * sizeof(real));
            for (size_t i = 0; i < pt->size; i++) diff[i] = m.grads[pt->offset + i] - g[pt->offset + i];
            double ref = norm2(g + pt->offset, pt->size), rel = norm2(diff, pt->size) / ref;
            free(diff);
            if (!(ref > 0) || !(rel <= 1e-5))
                fail_msg("batch %d: %s: |g_eval - g| / |g| = %.3e (|g| = %.3e)", batch, pt->name, rel, ref);
        }
    }
    free(g), free(ids);
    model_free(&m);
}

// ------------------------------------------------------------ (d) sampling

typedef struct {
    char buf[512];
    int n;
} Sink;

static void collect(unsigned char b, void *ctx) {
    Sink *s = ctx;
    if (s->n < (int)sizeof s->buf - 1) s->buf[s->n++] = (char)b;
    s->buf[s->n] = 0;
}

static void generate(Model *m, const Vocab *v, const char *prompt, uint64_t seed, double temp, int top_k, int n,
                     Sink *s) {
    int ids[64];
    int np = (int)strlen(prompt);
    assert_int_equal(vocab_encode(v, (const unsigned char *)prompt, (size_t)np, ids, NULL), 0);
    Rng r;
    rng_seed(&r, seed);
    memset(s, 0, sizeof *s);
    char err[256];
    const SampleSettings how = {.n_tokens = n, .temperature = temp, .top_k = top_k, .rng = &r, .emit = collect, .ctx = s};
    if (sample_generate(m, v, ids, np, &how, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(s->n, n);
}

static void test_sample_generate(void **state) {
    (void)state;
    Model m;
    Vocab v;
    tiny_model(&m, &v, 1, 17);
    Sink a, b, c, g, k1, e;
    generate(&m, &v, "Speak", 1, 1.0, 0, 100, &a);
    generate(&m, &v, "Speak", 1, 1.0, 0, 100, &b);
    generate(&m, &v, "Speak", 2, 1.0, 0, 100, &c);
    assert_string_equal(a.buf, b.buf);
    assert_string_not_equal(a.buf, c.buf);
    // Every emitted byte is in the vocabulary.
    for (int i = 0; i < a.n; i++) assert_true(v.stoi[(unsigned char)a.buf[i]] >= 0);
    // Greedy: temperature 0 is independent of the seed, and top_k 1 equals it.
    generate(&m, &v, "Speak", 3, 0.0, 0, 100, &g);
    generate(&m, &v, "Speak", 4, 0.7, 1, 100, &k1);
    assert_string_equal(g.buf, k1.buf);
    // A prompt longer than block_size keeps only its last block_size tokens.
    generate(&m, &v, "All:\nBefore we proceed any further, Speak", 5, 0.0, 0, 100, &e);
    Sink e2;
    generate(&m, &v, "r, Speak", 6, 0.0, 0, 100, &e2);
    assert_string_equal(e.buf, e2.buf);
    // Greedy by hand: the first token is the argmax of the last position's logits.
    int ids[5];
    assert_int_equal(vocab_encode(&v, (const unsigned char *)"Speak", 5, ids, NULL), 0);
    model_forward(&m, ids, NULL, 1, 5);
    const int V = v.size;
    const real *z = m.logits + 4 * (size_t)V;
    int best = 0;
    for (int i = 1; i < V; i++)
        if (z[i] > z[best]) best = i;
    assert_int_equal((unsigned char)g.buf[0], v.itos[best]);
    // An empty prompt works (starts from '\n').
    Sink s0;
    generate(&m, &v, "", 7, 0.8, 5, 50, &s0);
    model_free(&m);
}

static void test_sample_next(void **state) {
    (void)state;
    const real z[6] = {0.5f, 3.0f, -1.0f, 2.0f, 3.0f, 1.0f};
    real scratch[6];
    Rng r;
    rng_seed(&r, 1);
    assert_int_equal(sample_next(z, 6, 0.0, 0, &r, scratch), 1); // first of the tied maxima
    assert_int_equal(sample_next(z, 6, 2.0, 1, &r, scratch), 1);
    assert_int_equal(sample_next(z, 6, 0.0, 3, &r, scratch), 1);
    // top_k 3 keeps {1, 4, 3}; frequencies follow their softmax.
    int count[6] = {0};
    const int N = 20000;
    for (int i = 0; i < N; i++) count[sample_next(z, 6, 1.0, 3, &r, scratch)]++;
    assert_int_equal(count[0] + count[2] + count[5], 0);
    const double e3 = exp(3.0), e2 = exp(2.0), s = 2 * e3 + e2;
    assert_close((double)count[1] / N, e3 / s, 0.015);
    assert_close((double)count[4] / N, e3 / s, 0.015);
    assert_close((double)count[3] / N, e2 / s, 0.015);
    // top_k 2 with a tie at the threshold: exactly the two tied maxima.
    memset(count, 0, sizeof count);
    for (int i = 0; i < 2000; i++) count[sample_next(z, 6, 1.0, 2, &r, scratch)]++;
    assert_int_equal(count[1] + count[4], 2000);
    // All tokens, low temperature: nearly always a maximum; high: everything appears.
    memset(count, 0, sizeof count);
    for (int i = 0; i < 5000; i++) count[sample_next(z, 6, 100.0, 0, &r, scratch)]++;
    for (int i = 0; i < 6; i++) assert_true(count[i] > 500);
}

// ------------------------------------------------------------ (e) refusals

typedef enum { DROP, RESHAPE, REDTYPE, NONFINITE, FORMAT } Break;

// Rewrites src as dst with one thing broken: tensor `name` dropped, given
// shape [1], stored as I32, or holding a NaN; or the format metadata changed.
static void rewrite(const char *src, const char *dst, Break how, const char *name) {
    StFile f;
    char err[512];
    assert_int_equal(st_read(src, &f, err, sizeof err), 0);
    StOut *outs = calloc((size_t)f.n_tensors, sizeof(StOut));
    float *nan_copy = NULL;
    int k = 0;
    for (int i = 0; i < f.n_tensors; i++) {
        const StTensor *t = &f.tensors[i];
        int hit = !strcmp(t->name, name);
        if (hit && how == DROP) continue;
        StOut o = {.name = t->name, .dtype = t->dtype, .ndim = t->ndim, .data = t->data};
        memcpy(o.shape, t->shape, sizeof o.shape);
        if (hit && how == RESHAPE) o.ndim = 1, o.shape[0] = 1;
        if (hit && how == REDTYPE) o.dtype = ST_I32;
        if (hit && how == NONFINITE) {
            nan_copy = malloc(t->nbytes);
            memcpy(nan_copy, t->data, t->nbytes);
            nan_copy[t->numel / 2] = NAN;
            o.data = nan_copy;
        }
        outs[k++] = o;
    }
    const char **vals = malloc((size_t)f.n_meta * sizeof(char *));
    for (int i = 0; i < f.n_meta; i++)
        vals[i] = how == FORMAT && !strcmp(f.meta_keys[i], "format") ? "gguf" : f.meta_vals[i];
    assert_int_equal(st_write(dst, outs, k, (const char *const *)f.meta_keys, vals, f.n_meta, err, sizeof err), 0);
    free(vals), free(outs), free(nan_copy);
    st_free(&f);
}

static void test_load_refuses(void **state) {
    (void)state;
    Model m;
    Vocab v;
    tiny_model(&m, &v, 1, 19);
    Tmp t;
    tmp_open(&t);
    char err[512], good[160];
    snprintf(good, sizeof good, "%s", tmp_file(&t, "good.safetensors"));
    assert_int_equal(checkpoint_save(good, &m, &v, NULL, NULL, NULL, err, sizeof err), 0);
    struct {
        Break how;
        const char *tensor, *word;
    } cases[] = {
        {DROP, "blocks.1.attn.lambda_k2", "missing"},
        {DROP, "tokenizer.vocab", "missing"},
        {RESHAPE, "blocks.0.ffn.w_up", "shape"},
        {REDTYPE, "tok_emb", "F32"},
        {NONFINITE, "blocks.0.attn.wv", "non-finite"},
        {FORMAT, "", "not a difftx"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rewrite(good, tmp_file(&t, "bad.safetensors"), cases[i].how, cases[i].tensor);
        Model l;
        Vocab lv;
        err[0] = 0;
        assert_int_equal(checkpoint_load(t.path, &l, &lv, NULL, NULL, NULL, err, sizeof err), -1);
        if (!strstr(err, cases[i].word)) fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err, cases[i].word);
        if (*cases[i].tensor && !strstr(err, cases[i].tensor))
            fail_msg("case %zu: message \"%s\" does not name %s", i, err, cases[i].tensor);
        print_message("refused: %s\n", err);
    }
    // The untouched file still loads.
    Model l;
    Vocab lv;
    assert_int_equal(checkpoint_load(good, &l, &lv, NULL, NULL, NULL, err, sizeof err), 0);
    model_free(&l);
    const char *files[] = {"good.safetensors", "bad.safetensors"};
    tmp_close(&t, files, 2);
    model_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_eval_loss),
        cmocka_unit_test(test_eval_grad),      cmocka_unit_test(test_sample_generate),
        cmocka_unit_test(test_sample_next),    cmocka_unit_test(test_load_refuses),
        cmocka_unit_test(test_no_subln_roundtrip),
    };
    return cmocka_run_group_tests_name("checkpoint, eval, sample (" REAL_NAME ")", tests, NULL, NULL);
}
