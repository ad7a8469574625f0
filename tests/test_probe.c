// test_probe.c — what `difftx attn` and `difftx outliers` read out of a
// model is what the model computed:
//   (a) attention maps are the saved softmax rows; their rows sum to 1, the
//       differential map A1 - lambda A2 sums to 1 - lambda with the layer's
//       own lambda, and multiplying the map by V gives back the saved head
//       output; the recomputed scores reproduce every map through softmax;
//   (b) the map summary on small hand-made maps;
//   (c) top-k and median on known arrays (ties, fewer than 100 values, the
//       two middle values in one histogram bin or in two) and on a large
//       random one against a full sort; the outlier statistics of whole
//       models against a brute-force sort of every value;
//   (d) bad input through the real program: one line, exit 2 for a flag
//       that does not fit the model, 1 for a bad file.
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "layers/diffattn.h"
#include "experiments/probe.h"
#include "program.h"
#include "rng.h"

#ifdef DIFFTX_DOUBLE
#define TOL 1e-12
#else
#define TOL 2e-5
#endif

static const char text[] = "To be, or not to be, that is the question.\nAll the world's a stage.\n";

// A tiny model over the vocabulary of `text`, with weights larger than the
// initialisation (sharper maps, lambda away from lambda_init); activations
// for B windows of T tokens.
static void tiny_model(Model *m, Vocab *v, AttnKind attn, PosKind pos, int B, int T, uint64_t seed) {
    vocab_build(v, (const unsigned char *)text, sizeof text - 1);
    ModelConfig c = model_config_default();
    c.attn = attn, c.pos = pos;
    c.vocab_size = v->size, c.block_size = 16, c.n_layer = 2, c.n_head = 4, c.n_embd = 16;
    c.ffn_hidden = model_default_ffn_hidden(c.ffn, c.n_embd);
    char err[256];
    assert_int_equal(model_create(m, &c, err, sizeof err), 0);
    assert_int_equal(model_alloc_acts(m, B, T, err, sizeof err), 0);
    model_init_weights(m, seed);
    Rng r;
    rng_seed(&r, seed + 1);
    for (size_t i = 0; i < m->n_params; i++) m->params[i] = (real)(float)(m->params[i] + 0.3 * rng_normal(&r));
}

static int *encode_text(const Vocab *v, size_t *n) {
    *n = sizeof text - 1;
    int *ids = malloc(*n * sizeof(int));
    assert_non_null(ids);
    assert_int_equal(vocab_encode(v, (const unsigned char *)text, *n, ids, NULL), 0);
    return ids;
}

// ------------------------------------------------------------ (a) maps

// Row t of a map against softmax of the recomputed scores of the same row.
static void check_softmax_of_logits(const double *map, const double *logits, int T) {
    for (int t = 0; t < T; t++) {
        const double *z = logits + (size_t)t * T;
        double mx = -INFINITY, sum = 0;
        for (int s = 0; s <= t; s++) mx = fmax(mx, z[s]);
        for (int s = 0; s <= t; s++) sum += exp(z[s] - mx);
        for (int s = 0; s <= t; s++) assert_close(map[(size_t)t * T + s], exp(z[s] - mx) / sum, TOL);
        for (int s = t + 1; s < T; s++) assert_true(map[(size_t)t * T + s] == 0 && z[s] == 0);
    }
}

static void test_standard_maps(void **state) {
    (void)state;
    for (int pos = 0; pos < 2; pos++) {
        Model m;
        Vocab v;
        const int B = 2, T = 12;
        tiny_model(&m, &v, ATTN_STANDARD, (PosKind)pos, B, T, 7);
        size_t n;
        int *ids = encode_text(&v, &n);
        model_forward(&m, ids + 3, NULL, B, T); // windows [3, 15) and [15, 27)
        const int H = m.cfg.n_head, d = m.d, C = m.cfg.n_embd;
        assert_int_equal(probe_n_heads(&m), H);
        double map[12 * 12], z[12 * 12];
        for (int l = 0; l < m.cfg.n_layer; l++)
            for (int b = 0; b < B; b++)
                for (int h = 0; h < H; h++) {
                    probe_attn_map(&m, l, h, PROBE_A, b, map);
                    const real *att = m.layer[l].att + ((size_t)b * H + h) * T * T;
                    for (int i = 0; i < T * T; i++) assert_true(map[i] == (double)att[i]); // the saved map itself
                    MapStats st;
                    probe_map_stats(map, T, &st);
                    assert_close(st.row_sum, 1, TOL);
                    assert_close(st.negative, 0, 0);
                    for (int t = 0; t < T; t++) {
                        double sum = 0;
                        for (int s = 0; s <= t; s++) sum += map[t * T + s];
                        assert_close(sum, 1, TOL);
                    }
                    probe_logits(&m, l, h, b, z);
                    check_softmax_of_logits(map, z, T);
                    // A V is the head's saved output y (columns [h d, (h+1) d))
                    const real *vv = m.layer[l].v + (size_t)b * T * C, *y = m.layer[l].y + (size_t)b * T * C;
                    for (int t = 0; t < T; t++)
                        for (int i = 0; i < d; i++) {
                            double o = 0;
                            for (int s = 0; s <= t; s++) o += map[t * T + s] * vv[(size_t)s * C + h * d + i];
                            assert_close(y[(size_t)t * C + h * d + i], o, 10 * TOL);
                        }
                }
        free(ids);
        model_free(&m);
    }
}

static void test_differential_maps(void **state) {
    (void)state;
    Model m;
    Vocab v;
    const int B = 2, T = 16;
    tiny_model(&m, &v, ATTN_DIFFERENTIAL, POS_ROTARY, B, T, 11);
    size_t n;
    int *ids = encode_text(&v, &n);
    model_forward(&m, ids + 20, NULL, B, T);
    const int H = m.cfg.n_head, Hd = H / 2, d = m.d, C = m.cfg.n_embd;
    assert_int_equal(probe_n_heads(&m), Hd);
    static double a1[16 * 16], a2[16 * 16], dm[16 * 16], z[16 * 16];
    for (int l = 0; l < m.cfg.n_layer; l++) {
        const BlockParams *p = &m.p.blocks[l];
        const double lambda = (real)diffattn_lambda(p->lambda_q1, p->lambda_k1, p->lambda_q2, p->lambda_k2, d,
                                                    0.8 - 0.6 * exp(-0.3 * l));
        assert_true(probe_lambda(&m, l) == lambda);
        assert_true(fabs(lambda - lambda_init_at(l)) > 1e-3); // the weights moved it: a real test of lambda
        for (int b = 0; b < B; b++)
            for (int h = 0; h < Hd; h++) {
                probe_attn_map(&m, l, h, PROBE_A1, b, a1);
                probe_attn_map(&m, l, h, PROBE_A2, b, a2);
                probe_attn_map(&m, l, h, PROBE_ADIFF, b, dm);
                const size_t at = ((size_t)b * Hd + h) * T * T; // att, att2: [B,H/2,T,T]
                for (int i = 0; i < T * T; i++) {
                    assert_true(a1[i] == (double)m.layer[l].att[at + i]);
                    assert_true(a2[i] == (double)m.layer[l].att2[at + i]);
                    assert_close(dm[i], a1[i] - lambda * a2[i], 1e-15);
                }
                MapStats s1, s2, sd;
                probe_map_stats(a1, T, &s1), probe_map_stats(a2, T, &s2), probe_map_stats(dm, T, &sd);
                assert_close(s1.row_sum, 1, TOL);
                assert_close(s2.row_sum, 1, TOL);
                assert_close(sd.row_sum, 1 - lambda, TOL);
                if (lambda > 0) assert_true(sd.negative > 0); // lambda A2 outweighs A1 somewhere
                for (int t = 0; t < T; t++) {
                    double sum = 0;
                    for (int s = 0; s <= t; s++) sum += dm[t * T + s];
                    assert_close(sum, 1 - lambda, TOL);
                }
                // sub-head 2h is Q1 K1^T, 2h + 1 is Q2 K2^T
                probe_logits(&m, l, 2 * h, b, z);
                check_softmax_of_logits(a1, z, T);
                probe_logits(&m, l, 2 * h + 1, b, z);
                check_softmax_of_logits(a2, z, T);
                // (A1 - lambda A2) V is the saved o before the headwise norm (2d columns)
                const real *vv = m.layer[l].v + (size_t)b * T * C, *o = m.layer[l].o + (size_t)b * T * C;
                for (int t = 0; t < T; t++)
                    for (int i = 0; i < 2 * d; i++) {
                        double acc = 0;
                        for (int s = 0; s <= t; s++) acc += dm[t * T + s] * vv[(size_t)s * C + 2 * h * d + i];
                        assert_close(o[(size_t)t * C + 2 * h * d + i], acc, 10 * TOL);
                    }
            }
    }
    free(ids);
    model_free(&m);
}

// ------------------------------------------------------------ (b) map summary

static void test_map_stats(void **state) {
    (void)state;
    // softmax-like rows: [1], [.5 .5], [.2 .3 .5]
    const double a[9] = {1, 0, 0, .5, .5, 0, .2, .3, .5};
    MapStats s;
    probe_map_stats(a, 3, &s);
    assert_close(s.self, (1 + .5 + .5) / 3, 1e-15);
    const double h3 = -(.2 * log(.2) + .3 * log(.3) + .5 * log(.5));
    assert_close(s.entropy, (0 + log(2) + h3) / 3, 1e-15);
    assert_close(s.uniform, (0 + log(2) + log(3)) / 3, 1e-15);
    assert_close(s.top1, (1 + .5 + .5) / 3, 1e-15);
    assert_close(s.negative, 0, 0);
    assert_close(s.row_sum, 1, 1e-15);
    // signed rows: [.5], [-.25 .75], [.1 -.1 .5]: mass is |entry|
    const double d[9] = {.5, 9, 9, -.25, .75, 9, .1, -.1, .5}; // above the diagonal is never read
    probe_map_stats(d, 3, &s);
    assert_close(s.self, (.5 + .75 + .5) / 3, 1e-15);
    assert_close(s.row_sum, .5, 1e-15);
    assert_close(s.negative, 2.0 / 6, 1e-15);
    assert_close(s.top1, (1 + .75 + .5 / .7) / 3, 1e-15);
    const double h1 = -(.25 * log(.25) + .75 * log(.75)), p = 1.0 / 7, q = 5.0 / 7;
    assert_close(s.entropy, (0 + h1 - (2 * p * log(p) + q * log(q))) / 3, 1e-15);
}

// ------------------------------------------------------------ (c) top-k and median

static void expect_summary(const double *x, size_t n, uint64_t count, double top1, double top10, double top100,
                           double median) {
    AbsSummary s;
    assert_int_equal(abs_stats_of(x, n, &s), 0);
    assert_int_equal(s.n, count);
    const double got[4] = {s.top1, s.top10, s.top100, s.median}, want[4] = {top1, top10, top100, median};
    for (int i = 0; i < 4; i++)
        if (isnan(want[i]) ? !isnan(got[i]) : got[i] != want[i])
            fail_msg("n = %zu: statistic %d is %.17g, expected %.17g", n, i, got[i], want[i]);
    if (!isnan(median) && median > 0) assert_true(s.ratio == top1 / median);
}

static void test_topk_median_known(void **state) {
    (void)state;
    // n = 9 (< 10): ties at the top (7, -7) and in the middle (2, 2); |x| sorted: 0 1 1 2 2 3 5 7 7
    const double a[10] = {3, -7, 7, 0, 1, -1, 2, 2, 5, -4};
    expect_summary(a, 9, 9, 7, NAN, NAN, 2);
    // n = 10: the median is the mean of the two middle values 2 and 3; the 10th largest is the smallest
    expect_summary(a, 10, 10, 7, 0, NAN, 2.5);
    // all equal
    const double e[4] = {2, -2, 2, 2};
    expect_summary(e, 4, 4, 2, NAN, NAN, 2);
    // the two middle values in different histogram bins (1.0 = 0x3f800000, 1.5 = 0x3fc00000) ...
    const double two[2] = {1.5, -1.0};
    expect_summary(two, 2, 2, 1.5, NAN, NAN, 1.25);
    // ... and in one bin, one float step apart
    const double up = (double)nextafterf(1.0f, 2.0f), one[3] = {up, 1.0, 100};
    expect_summary(one, 2, 2, up, NAN, NAN, 0.5 * (1.0 + up));
    expect_summary(one, 3, 3, 100, NAN, NAN, up);
    // nothing; and non-finite values, which are counted apart
    expect_summary(a, 0, 0, NAN, NAN, NAN, NAN);
    const double nf[5] = {INFINITY, NAN, 1, -3, -INFINITY};
    AbsSummary s;
    assert_int_equal(abs_stats_of(nf, 5, &s), 0);
    assert_int_equal(s.nonfinite, 3);
    expect_summary(nf + 2, 2, 2, 3, NAN, NAN, 2);
    // 150 values tied at the top: top-1 = top-10 = top-100
    double t[200];
    for (int i = 0; i < 200; i++) t[i] = i % 4 == 0 ? 1 : (i % 2 ? -5 : 5);
    expect_summary(t, 200, 200, 5, 5, 5, 5);
    // +-i for i = 0..999 in a shuffled order: 999, 990, 900, median (499 + 500) / 2
    double x[1000];
    for (int i = 0; i < 1000; i++) x[i] = i % 3 ? i : -i;
    Rng r;
    rng_seed(&r, 5);
    for (int i = 999; i > 0; i--) {
        int j = (int)rng_below(&r, (uint64_t)i + 1);
        double tmp = x[i];
        x[i] = x[j], x[j] = tmp;
    }
    expect_summary(x, 1000, 1000, 999, 990, 900, 499.5);
}

static int ascending(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// What AbsStats should report for x: [n], by sorting every |x| (the median
// from values rounded to float, as AbsStats defines it).
static void brute_force(double *x, size_t n, AbsSummary *s) {
    for (size_t i = 0; i < n; i++) x[i] = fabs(x[i]);
    qsort(x, n, sizeof *x, ascending);
    s->n = n;
    s->top1 = n >= 1 ? x[n - 1] : NAN, s->top10 = n >= 10 ? x[n - 10] : NAN, s->top100 = n >= 100 ? x[n - 100] : NAN;
    s->median = n ? 0.5 * ((double)(float)x[(n - 1) / 2] + (double)(float)x[n / 2]) : NAN;
}

static void expect_same(const AbsSummary *got, const AbsSummary *want, const char *what) {
    if (got->n != want->n) fail_msg("%s: count %llu, expected %llu", what, (unsigned long long)got->n, (unsigned long long)want->n);
    const double g[4] = {got->top1, got->top10, got->top100, got->median};
    const double w[4] = {want->top1, want->top10, want->top100, want->median};
    for (int i = 0; i < 4; i++)
        if (!(g[i] == w[i])) fail_msg("%s: statistic %d is %.17g, expected %.17g", what, i, g[i], w[i]);
}

static void test_topk_median_random(void **state) {
    (void)state;
    // Wide-ranging values (many histogram bins), odd and even n.
    for (size_t n = 99999; n <= 100000; n++) {
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        assert_non_null(x), assert_non_null(y);
        Rng r;
        rng_seed(&r, n);
        for (size_t i = 0; i < n; i++) x[i] = y[i] = rng_normal(&r) * exp(3 * rng_normal(&r));
        AbsSummary got, want;
        assert_int_equal(abs_stats_of(x, n, &got), 0);
        brute_force(y, n, &want);
        expect_same(&got, &want, "random values");
        free(x), free(y);
    }
}

// Every attention score and hidden value of every window, sorted, against probe_outliers.
static void check_outliers(AttnKind attn) {
    Model m;
    Vocab v;
    const int T = 16, W = 3;
    tiny_model(&m, &v, attn, POS_ROTARY, 1, T, 3);
    size_t n;
    int *ids = encode_text(&v, &n);
    size_t off[3], again[3];
    ckpt_text_windows(n, T, W, 42, off);
    ckpt_text_windows(n, T, W, 42, again);
    for (int w = 0; w < W; w++) assert_true(off[w] <= n - T && off[w] == again[w]);
    OutlierReport rep;
    char err[256];
    if (probe_outliers(&m, ids, T, off, W, &rep, err, sizeof err)) fail_msg("%s", err);

    const int L = m.cfg.n_layer, H = m.cfg.n_head, C = m.cfg.n_embd, pairs = T * (T + 1) / 2;
    assert_int_equal(rep.n_layer, L);
    const size_t nl = (size_t)W * H * pairs, nh = (size_t)W * T * C;
    double *lg = malloc(2 * L * nl * sizeof *lg), *hs = malloc(2 * (L + 1) * nh * sizeof *hs); // per layer, pooled
    double *z = malloc((size_t)T * T * sizeof *z);
    assert_non_null(lg), assert_non_null(hs), assert_non_null(z);
    size_t kl[8] = {0}, kh[8] = {0}; // values gathered per layer
    for (int w = 0; w < W; w++) {
        model_forward(&m, ids + off[w], NULL, 1, T);
        for (int l = 0; l < L; l++)
            for (int j = 0; j < H; j++) {
                probe_logits(&m, l, j, 0, z);
                for (int t = 0; t < T; t++)
                    for (int s = 0; s <= t; s++) lg[l * nl + kl[l]++] = z[t * T + s];
            }
        for (int l = 0; l <= L; l++) {
            const real *x = l < L ? m.layer[l].x_in : m.x_out;
            for (int i = 0; i < T * C; i++) hs[l * nh + kh[l]++] = x[i];
        }
    }
    // pooled copies after the per-layer ones
    memcpy(lg + L * nl, lg, L * nl * sizeof *lg);
    memcpy(hs + (L + 1) * nh, hs, (L + 1) * nh * sizeof *hs);
    AbsSummary want;
    char what[64];
    for (int l = 0; l <= L; l++) {
        brute_force(lg + l * nl, l < L ? nl : L * nl, &want);
        snprintf(what, sizeof what, "%s logits, row %d", attn_names[attn], l);
        expect_same(&rep.logits[l], &want, what);
    }
    for (int l = 0; l <= L + 1; l++) {
        brute_force(hs + l * nh, l <= L ? nh : (L + 1) * nh, &want);
        snprintf(what, sizeof what, "%s hidden states, row %d", attn_names[attn], l);
        expect_same(&rep.hidden[l], &want, what);
    }
    print_message("%-12s logits top-1 %.4g median %.4g; hidden top-1 %.4g median %.4g\n", attn_names[attn],
                  rep.logits[L].top1, rep.logits[L].median, rep.hidden[L + 1].top1, rep.hidden[L + 1].median);
    probe_outlier_report_free(&rep);
    free(lg), free(hs), free(z), free(ids);
    model_free(&m);
}

static void test_outliers_match_sort(void **state) {
    (void)state;
    check_outliers(ATTN_STANDARD);
    check_outliers(ATTN_DIFFERENTIAL);
}

// ------------------------------------------------------------ (d) the program

static char bin[PATH_MAX]; // the program (find_program)

#define RUN(...) program_run(bin, ARGS(__VA_ARGS__))

// The program of this test's own build: the test runs as
// build/CONFIG/tests/test_probe and the Makefile links build/CONFIG/difftx
// (for tests/test_robust), so float tests run the float program and double
// tests the double one.
static int find_program(void) {
#ifdef DIFFTX_BIN
    snprintf(bin, sizeof bin, "%s", DIFFTX_BIN);
#else
    char self[PATH_MAX - 16]; // room for "/../difftx" in bin
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return -1;
    self[k] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = 0; // .../tests
    snprintf(bin, sizeof bin, "%s/../difftx", self);
#endif
    return access(bin, X_OK);
}

static int make_dir(void **state) {
    (void)state;
    return program_make_dir("probe");
}

static void test_program(void **state) {
    (void)state;
    if (find_program()) fail_msg("%s is missing: run the tests with make test (from the repository root)", bin);
    char good[160], txt[160], svg[160]; // (tmp's buffers are reused)
    snprintf(good, sizeof good, "%s", tmp("good.safetensors"));
    snprintf(txt, sizeof txt, "%s", tmp("text.txt"));
    snprintf(svg, sizeof svg, "%s", tmp("a.svg"));
    Model m;
    Vocab v;
    char err[256];
    tiny_model(&m, &v, ATTN_DIFFERENTIAL, POS_ROTARY, 1, 16, 9);
    assert_int_equal(checkpoint_save(good, &m, &v, NULL, NULL, NULL, err, sizeof err), 0);
    model_free(&m);
    write_text(txt, text);
    write_text(tmp("zebra.txt"), "To be, or not to be: zebra");

    // it works, and says what the notebooks capture
    int rc = RUN("attn", "--model", good, "--text", txt, "--offset", "3", "--len", "10", "--svg", svg, "--csv",
                 tmp("a.csv"));
    if (rc) fail_msg("attn: exit %d: %s", rc, err_buf);
    assert_non_null(strstr(out_buf, "layer 1"));
    assert_non_null(strstr(out_buf, "head 1 A1-lambda*A2"));
    assert_non_null(strstr(out_buf, "row_sum"));
    struct stat st;
    assert_int_equal(stat(svg, &st), 0);
    assert_int_equal(stat(tmp("a.csv"), &st), 0);
    rc = RUN("outliers", "--model", good, "--text", txt, "--windows", "3", "--csv", tmp("o.csv"));
    if (rc) fail_msg("outliers: exit %d: %s", rc, err_buf);
    assert_non_null(strstr(out_buf, "attention logits, all layers"));
    assert_non_null(strstr(out_buf, "hidden states, before norm_f"));
    assert_int_equal(stat(tmp("o.csv"), &st), 0);

    // flags that do not fit the model (2 layers, 2 differential heads, block_size 16) or the text
    expect_refusal(RUN("attn", "--model", good, "--text", txt, "--layer", "2", "--svg", svg), 2,
                   WORDS("--layer 2", "out of range", "2 layers"), "attn --layer out of range");
    expect_refusal(RUN("attn", "--model", good, "--text", txt, "--head", "2", "--svg", svg), 2,
                   WORDS("--head 2", "out of range", "2 differential heads"), "attn --head out of range");
    expect_refusal(RUN("attn", "--model", good, "--text", txt, "--len", "17", "--svg", svg), 2,
                   WORDS("--len 17", "block_size 16"), "attn --len > block_size");
    expect_refusal(RUN("attn", "--model", good, "--text", txt, "--offset", "1000", "--svg", svg), 2,
                   WORDS("--offset 1000", "past the end"), "attn --offset past the end");
    expect_refusal(RUN("attn", "--model", good, "--text", txt, "--offset", "60", "--len", "16", "--svg", svg), 2,
                   WORDS("--offset 60 --len 16", "past the end"), "attn window past the end");
    expect_refusal(RUN("attn", "--model", good, "--text", txt, "--layer", "-1", "--svg", svg), 2,
                   WORDS("--layer -1", "out of range"), "attn negative --layer");
    expect_refusal(RUN("attn", "--model", good, "--text", txt), 2, WORDS("--svg", "required"), "attn without --svg");
    expect_refusal(RUN("outliers", "--model", good), 2, WORDS("--text", "required"), "outliers without --text");
    expect_refusal(RUN("outliers", "--model", good, "--text", txt, "--windows", "0"), 2,
                   WORDS("--windows 0", "out of range"), "outliers --windows 0");
    // bad files
    expect_refusal(RUN("attn", "--model", good, "--text", tmp("zebra.txt"), "--svg", svg), 1,
                   WORDS("zebra.txt", "':'", "offset 19", "vocabulary"), "attn byte outside vocabulary");
    expect_refusal(RUN("outliers", "--model", good, "--text", tmp("zebra.txt")), 1,
                   WORDS("zebra.txt", "':'", "offset 19", "vocabulary"), "outliers byte outside vocabulary");
    expect_refusal(RUN("attn", "--model", tmp("missing.safetensors"), "--text", txt, "--svg", svg), 1,
                   WORDS("missing.safetensors"), "attn missing model");
    expect_refusal(RUN("outliers", "--model", tmp("missing.safetensors"), "--text", txt), 1,
                   WORDS("missing.safetensors"), "outliers missing model");
    expect_refusal(RUN("attn", "--model", good, "--text", tmp("missing.txt"), "--svg", svg), 1,
                   WORDS("missing.txt", "no such"), "attn missing text");
    // (the summary is on stdout before the SVG is written)
    expect_failure(RUN("attn", "--model", good, "--text", txt, "--svg", tmp("no/such/dir/a.svg")), 1,
                   WORDS("--svg", "no/such/dir"), "attn unwritable --svg");
    expect_one_line("attn unwritable --svg");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_maps),      cmocka_unit_test(test_differential_maps),
        cmocka_unit_test(test_map_stats),          cmocka_unit_test(test_topk_median_known),
        cmocka_unit_test(test_topk_median_random), cmocka_unit_test(test_outliers_match_sort),
        cmocka_unit_test_setup_teardown(test_program, make_dir, program_remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
