// test_model.c — the whole model: gradients of every parameter for all 16
// architecture combinations, against centred differences.
//
// The whole-model check uses the four-point difference with h = 1e-3 (see
// gradcheck.h): its numeric gradients are accurate to ~1e-12 absolute. Some
// attention-weight components of a whole model are as small as 1e-8, where
// even that leaves a relative error near 1e-6; the data (seed 1 below) is
// fixed, so the check is deterministic, and any real mistake shows as an
// error near 1 on the large components.
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "model.h"
#include "rng.h"
#include "test_util.h"

typedef struct {
    Model *m;
    int *in, *tg, B, T;
    real loss, one;
} Ctx;

static void fwd(void *c) {
    Ctx *k = c;
    k->loss = (real)model_forward(k->m, k->in, k->tg, k->B, k->T);
}
static void bwd(void *c) {
    Ctx *k = c;
    fwd(c);
    model_zero_grad(k->m);
    model_backward(k->m);
}

// FNV-1a hash of the signs of every ReLU input: changes when a perturbation
// moves any pre-activation across the kink at 0.
static uint64_t relu_signs(void *c) {
    Ctx *k = c;
    const Model *m = k->m;
    if (m->cfg.ffn != FFN_RELU) return 0;
    uint64_t h = 1469598103934665603ull;
    for (int l = 0; l < m->cfg.n_layer; l++)
        for (size_t i = 0; i < (size_t)k->B * k->T * m->F; i++) h = (h ^ (m->layer[l].ffn_a[i] > 0)) * 1099511628211ull;
    return h;
}

static ModelConfig tiny(int attn, int pos, int norm, int ffn) {
    ModelConfig c = model_config_default();
    c.attn = attn, c.pos = pos, c.norm = norm, c.ffn = ffn;
    c.vocab_size = 7, c.block_size = 5, c.n_layer = 2, c.n_head = 4, c.n_embd = 16;
    c.ffn_hidden = 12;
    return c;
}

static void check_config(ModelConfig cfg);
static void check_combo(int attn, int pos, int norm, int ffn) { check_config(tiny(attn, pos, norm, ffn)); }
static void check_config(ModelConfig cfg) {
    Model m;
    char err[256];
    assert_int_equal(model_create(&m, &cfg, err, sizeof err), 0);
    const int B = 2, T = 5;
    assert_int_equal(model_alloc_acts(&m, B, T, err, sizeof err), 0);
    model_init_weights(&m, 1);
    // Larger weights than training starts from, so every path carries a
    // gradient well above rounding noise (and lambda moves off lambda_init).
    Rng r;
    rng_seed(&r, 43);
    // (Matrices get the most; norms and lambda vectors a little, which keeps the
    // headwise norm away from a nearly silent, ill-conditioned head.)
    for (int ti = 0; ti < m.n_tensors; ti++)
        for (size_t i = 0; i < m.tensors[ti].size; i++)
            m.params[m.tensors[ti].offset + i] += (real)((m.tensors[ti].decay ? 0.3 : 0.1) * rng_normal(&r));
    int in[10], tg[10];
    for (int i = 0; i < B * T; i++) in[i] = (int)rng_below(&r, 7), tg[i] = (int)rng_below(&r, 7);
    Ctx k = {&m, in, tg, B, T, 0, 1};
    // Move each ReLU column's bias until its inputs are at least 0.05 from the
    // kink, layer by layer (a bias change moves every later layer's inputs).
    for (int l = 0; cfg.ffn == FFN_RELU && l < cfg.n_layer; l++) {
        for (int f = 0; f < m.F; f++)
            for (int tries = 0; tries < 100; tries++) {
                fwd(&k);
                int near = 0;
                for (int n = 0; n < B * T; n++) near |= fabs((double)m.layer[l].ffn_a[(size_t)n * m.F + f]) < 0.05;
                if (!near) break;
                m.p.blocks[l].b1[f] += (real)((tries & 1 ? -0.03 : 0.03) * (tries + 1));
            }
    }
    GcTensor *t = calloc((size_t)m.n_tensors, sizeof(GcTensor));
    for (int i = 0; i < m.n_tensors; i++)
        t[i] = (GcTensor){m.tensors[i].name, m.params + m.tensors[i].offset, m.grads + m.tensors[i].offset,
                          m.tensors[i].size};
    GcProblem prob = {fwd, bwd, &k, &k.loss, &k.one, 1, t, m.n_tensors, 1, relu_signs};
    GcResult res;
    assert_int_equal(gradcheck_run(&prob, GC_STEP4, 0, &res), 0);
    // every value is checked, except the few next to a ReLU kink (< 5%)
    assert_int_equal(res.checked + res.skipped, m.n_params);
    if (res.skipped * 20 >= m.n_params) fail_msg("%zu of %zu values skipped", res.skipped, m.n_params);
    if (!(res.worst <= GC_TOL))
        fail_msg("%s/%s/%s/%s: worst relative error %.3e at %s[%zu] (analytic %.9g, numeric %.9g)", attn_names[cfg.attn],
                 pos_names[cfg.pos], norm_names[cfg.norm], ffn_names[cfg.ffn], res.worst, res.worst_tensor, res.worst_index,
                 res.worst_analytic, res.worst_numeric);
    print_message("%-12s %-10s %-9s %-6s params %5zu  skipped %3zu  worst %.2e\n", attn_names[cfg.attn],
                  pos_names[cfg.pos], norm_names[cfg.norm], ffn_names[cfg.ffn], m.n_params, res.skipped, res.worst);
    free(t);
    model_free(&m);
}

// In double only: a float forward pass cannot resolve the small components
// of a whole model's gradient (see tests/test_gradients.c); the float build
// of every layer is checked there.
static void test_model_gradients_all_16(void **state) {
    (void)state;
#ifndef DIFFTX_DOUBLE
    skip();
#endif
#ifdef DIFFTX_SAN
    // Under the sanitizers (which look for memory errors, not wrong numbers)
    // four combinations cover every option both ways; the plain build checks all 16.
    check_combo(0, 0, 0, 0), check_combo(1, 1, 1, 1), check_combo(0, 1, 1, 0), check_combo(1, 0, 0, 1);
#else
    for (int a = 0; a < 2; a++)
        for (int p = 0; p < 2; p++)
            for (int n = 0; n < 2; n++)
                for (int f = 0; f < 2; f++) check_combo(a, p, n, f);
#endif
}

// The headwise-norm ablation (no_subln) has its own backward path.
static void test_model_gradients_no_subln(void **state) {
    (void)state;
#ifndef DIFFTX_DOUBLE
    skip();
#endif
    ModelConfig c = tiny(ATTN_DIFFERENTIAL, POS_ROTARY, NORM_RMSNORM, FFN_SWIGLU);
    c.no_subln = 1;
    check_config(c);
}

static void test_config_rules(void **state) {
    (void)state;
    char err[256];
    ModelConfig c = tiny(ATTN_DIFFERENTIAL, POS_ROTARY, NORM_RMSNORM, FFN_SWIGLU);
    assert_int_equal(model_config_check(&c, err, sizeof err), 0);
    c.n_head = 3;
    assert_int_equal(model_config_check(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "n_embd = 16 is not divisible by n_head = 3"));
    c = tiny(ATTN_DIFFERENTIAL, POS_SINUSOIDAL, NORM_RMSNORM, FFN_SWIGLU);
    c.n_head = 1;
    assert_int_equal(model_config_check(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "even number of heads"));
    c = tiny(ATTN_STANDARD, POS_ROTARY, NORM_RMSNORM, FFN_SWIGLU);
    c.n_embd = 12, c.n_head = 4; // d = 3
    assert_int_equal(model_config_check(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "odd"));
    c = tiny(ATTN_STANDARD, POS_ROTARY, NORM_RMSNORM, FFN_SWIGLU);
    c.no_subln = 1;
    assert_int_equal(model_config_check(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "no_subln removes the headwise norm of differential attention"));
    assert_int_equal(model_default_ffn_hidden(FFN_SWIGLU, 128), 352);
    assert_int_equal(model_default_ffn_hidden(FFN_RELU, 128), 512);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_gradients_all_16),
        cmocka_unit_test(test_model_gradients_no_subln),
        cmocka_unit_test(test_config_rules),
    };
    return cmocka_run_group_tests_name("model (" REAL_NAME ")", tests, NULL, NULL);
}
