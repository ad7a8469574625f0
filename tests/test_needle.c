// test_needle.c — the needle-in-a-haystack benchmark: the generator
// (bin/needle) writes what data/needle.c promises, byte for byte the same for
// the same seed; the scoring functions label, share and count correctly on
// lines and attention rows built by hand, and on a model whose attention and
// predictions are known exactly; `difftx needle` runs end to end; and bad
// input to either program gets one line on stderr and the right exit status.
//
// Programs run from the repository root: NEEDLE_BIN, and DIFFTX_BIN (the
// build of this test's configuration, set by the Makefile).
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "model.h"
#include "experiments/needle.h"
#include "program.h"

#ifndef DIFFTX_BIN
#define DIFFTX_BIN "bin/difftx"
#endif
#define NEEDLE_BIN "bin/needle"

static char model_path[128], train_path[128], test_path[128]; // in dir (program.h)

#define GEN(...) program_run(NEEDLE_BIN, ARGS(__VA_ARGS__))
#define DTX(...) program_run(DIFFTX_BIN, ARGS(__VA_ARGS__))

static int setup(void **state) {
    (void)state;
    if (program_make_dir("needle")) return -1;
    snprintf(model_path, sizeof model_path, "%s/model.safetensors", dir);
    snprintf(train_path, sizeof train_path, "%s/train.txt", dir);
    snprintf(test_path, sizeof test_path, "%s/test.txt", dir);
    return program_check(DIFFTX_BIN) || program_check(NEEDLE_BIN) ? -1 : 0;
}

// ------------------------------------------------------------ generator

static void test_generator_deterministic(void **state) {
    (void)state;
    const char *a = tmp("a.txt"), *b = tmp("b.txt"), *c = tmp("c.txt");
    assert_int_equal(GEN("--n", "50", "--len", "60-100", "--needles", "2", "--seed", "7", "--out", a), 0);
    assert_int_equal(GEN("--n=50", "--len=60-100", "--needles=2", "--seed=7", "--out", b), 0);
    assert_int_equal(GEN("--n", "50", "--len", "60-100", "--needles", "2", "--seed", "8", "--out", c), 0);
    size_t na, nb, nc;
    unsigned char *x = read_bytes(a, &na), *y = read_bytes(b, &nb), *z = read_bytes(c, &nc);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    assert_true(na != nc || memcmp(x, z, na) != 0);
    free(x), free(y), free(z);
}

static int in_alphabet(unsigned char c) {
    return c == ' ' || c == ':' || c == '?' || c == '\n' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

// Checks every line of path against data/needle.c's format: lengths in
// [len_lo, len_hi], the closed alphabet, tokens separated by single spaces,
// filler words of 1-5 letters, K needles with distinct keys and values, the
// query naming one of them with its value, which starts within 3 bytes of
// depth (C - 8) (4 when K > 1 and C = 8K + 3; depth < 0: anywhere).
// Returns the number of lines.
static int check_file(const char *path, int len_lo, int len_hi, int K, double depth) {
    size_t n;
    unsigned char *t = read_bytes(path, &n);
    int lines = 0;
    for (size_t s = 0, e; s < n; s = e + 1) {
        for (e = s; e < n && t[e] != '\n';) e++;
        assert_true(e < n); // every line ends with '\n'
        const unsigned char *l = t + s;
        const int L = (int)(e - s) + 1, C = L - 9;
        lines++;
        if (L < len_lo || L > len_hi) fail_msg("%s line %d: %d bytes, expected %d to %d", path, lines, L, len_lo, len_hi);
        for (int i = 0; i < L; i++)
            if (!in_alphabet(l[i])) fail_msg("%s line %d: byte 0x%02X outside the alphabet", path, lines, l[i]);
        // the query: '?', 3 letters, ':', 3 digits at the end
        assert_int_equal(l[C], '?');
        assert_int_equal(l[C + 4], ':');
        for (int i = 0; i < 3; i++) assert_true(l[C + 1 + i] >= 'a' && l[C + 1 + i] <= 'z');
        for (int i = 0; i < 3; i++) assert_true(l[C + 5 + i] >= '0' && l[C + 5 + i] <= '9');
        // the context: tokens each followed by one space
        assert_int_equal(l[C - 1], ' ');
        int needles = 0, asked = -1;
        char keys[100][4] = {{0}}, vals[100][4] = {{0}};
        for (int p = 0; p < C;) {
            int q = p;
            while (l[q] != ' ') q++;
            const int w = q - p;
            assert_true(w >= 1);
            if (memchr(l + p, ':', (size_t)w)) { // a needle: abc:123
                assert_int_equal(w, 7);
                assert_int_equal(l[p + 3], ':');
                assert_true(needles < K);
                memcpy(keys[needles], l + p, 3), memcpy(vals[needles], l + p + 4, 3);
                for (int k = 0; k < needles; k++) {
                    assert_true(memcmp(keys[k], keys[needles], 3) != 0);
                    assert_true(memcmp(vals[k], vals[needles], 3) != 0);
                }
                if (!memcmp(l + p, l + C + 1, 3)) {
                    assert_memory_equal(l + p + 4, l + C + 5, 3); // the query's value
                    asked = p;
                }
                needles++;
            } else {
                assert_true(w <= 5);
                for (int i = p; i < q; i++) assert_true(l[i] >= 'a' && l[i] <= 'z');
            }
            p = q + 1;
        }
        assert_int_equal(needles, K);
        assert_true(asked >= 0);
        if (depth >= 0 && fabs(asked - depth * (C - 8)) > (K > 1 && C == 8 * K + 3 ? 4 : 3))
            fail_msg("%s line %d: needle at byte %d, expected %.1f +- 3 (depth %g)", path, lines, asked,
                     depth * (C - 8), depth);
    }
    free(t);
    return lines;
}

static void test_generator_format(void **state) {
    (void)state;
    const char *depths[] = {"0", "0.25", "0.5", "0.9", "1"};
    // even and odd context lengths; the shortest for 3 needles, and one byte more
    const char *lens[] = {"100", "101", "35", "36"};
    const char *ks[] = {"1", "3"};
    for (int li = 0; li < 4; li++)
        for (int ki = 0; ki < 2; ki++)
            for (int di = 0; di < 5; di++) {
                const char *p = tmp("fmt.txt");
                const int L = atoi(lens[li]), K = atoi(ks[ki]);
                if (L < 8 * K + 11) continue;
                assert_int_equal(GEN("--n", "40", "--len", lens[li], "--needles", ks[ki], "--depth", depths[di],
                                     "--seed", "3", "--out", p),
                                 0);
                assert_int_equal(check_file(p, L, L, K, atof(depths[di])), 40);
            }
    // random depths and a range of lengths; a few hundred lines hold all 40 symbols
    const char *p = tmp("mix.txt");
    assert_int_equal(GEN("--n", "300", "--len", "40-80", "--needles", "2", "--out", p), 0);
    assert_non_null(strstr(out_buf, "40 of the 40 symbols"));
    assert_int_equal(err_buf[0], 0); // no warning
    assert_int_equal(check_file(p, 40, 80, 2, -1), 300);
    // a tiny file lacks symbols: the generator says so
    assert_int_equal(GEN("--n", "1", "--len", "20", "--out", p), 0);
    assert_non_null(strstr(err_buf, "warning"));
}

// ------------------------------------------------------------ scoring, by hand

// One letter per label: n noise, o other (needle key, ':', other values), a answer, q query.
static void expect_labels(const char *line, const char *want) {
    NeedleLine q;
    char err[200];
    if (needle_parse_line((const unsigned char *)line, strlen(line), &q, err, sizeof err)) fail_msg("%s", err);
    unsigned char label[128];
    char got[129];
    needle_label((const unsigned char *)line, &q, label);
    for (size_t i = 0; i <= q.colon; i++) got[i] = "noaq"[label[i]];
    got[q.colon + 1] = 0;
    if (strcmp(got, want)) fail_msg("labels of \"%s\":\n  got  %s\n  want %s", line, got, want);
}

static void expect_bad_line(const char *line, const char *word) {
    NeedleLine q;
    char err[200] = "";
    assert_int_equal(needle_parse_line((const unsigned char *)line, strlen(line), &q, err, sizeof err), -1);
    if (!strstr(err, word)) fail_msg("\"%s\": message lacks \"%s\": %s", line, word, err);
}

static void test_parse_and_label(void **state) {
    (void)state;
    NeedleLine q;
    char err[200];
    const char *l = "ab xyz:123 rs:45 c ?xyz:123";
    assert_int_equal(needle_parse_line((const unsigned char *)l, strlen(l), &q, err, sizeof err), 0);
    assert_int_equal(q.qmark, 19);
    assert_int_equal(q.colon, 23);
    assert_int_equal(q.key_len, 3);
    assert_int_equal(q.value_len, 3);
    assert_int_equal(q.n_needles, 2);
    assert_int_equal(q.n_answers, 1);
    //             "ab xyz:123 rs:45 c ?xyz:"
    expect_labels(l, "nnnooooaaanooooonnnqqqqq");
    // the same key twice: both values are the answer; "kk" is another key
    expect_labels("k:1 k:22 kk:3 ?k:1", "ooanooaanoooonqqq");
    // a needle at the very start and right before the query; a long value
    expect_labels("abc:9876 ?abc:9876", "ooooaaaanqqqqq");
    // a colon without digits or without letters is filler
    expect_labels("a: :1 ab:12 ?ab:12", "nnnnnnoooaanqqqq");
    expect_bad_line("abc:123 no query here", "no query");
    expect_bad_line("abc:123 ?:123", "lowercase key");
    expect_bad_line("abc:123 ?ABC:123", "lowercase key");
    expect_bad_line("abc:123 ?abc", "lowercase key");
    expect_bad_line("abc:123 ?abc:", "no answer");
    expect_bad_line("abc:123 ?xyz:123", "'xyz' is not in the context");
    expect_bad_line("", "no query");
}

static void test_shares_and_diff_row(void **state) {
    (void)state;
    //                               n    o    a    a    n    q
    const unsigned char label[6] = {NEEDLE_NOISE, NEEDLE_OTHER, NEEDLE_ANSWER, NEEDLE_ANSWER, NEEDLE_NOISE, NEEDLE_QUERY};
    const real row[6] = {0.1, 0.05, 0.3, 0.2, 0.15, 0.2};
    double a, z;
    needle_row_shares(row, label, 6, &a, &z);
    assert_close(a, 0.5, 1e-6);
    assert_close(z, 0.25, 1e-6);
    // differential: (A1 - lambda A2) / (1 - lambda); A2 on the filler cancels it
    const real a1[6] = {0.2, 0.1, 0.3, 0.2, 0.1, 0.1}, a2[6] = {0.4, 0.1, 0.0, 0.0, 0.3, 0.2};
    const real lambda = 0.5;
    real eff[6];
    needle_diff_row(eff, a1, a2, lambda, 6);
    double sum = 0;
    for (int j = 0; j < 6; j++) {
        assert_close(eff[j], (a1[j] - 0.5 * a2[j]) / 0.5, 1e-6);
        sum += eff[j];
    }
    assert_close(sum, 1, 1e-6); // a row of a softmax's scale
    needle_row_shares(eff, label, 6, &a, &z);
    assert_close(a, 1.0, 1e-6);  // (0.3 + 0.2) / 0.5
    assert_close(z, -0.1, 1e-6); // (0.2 - 0.2 + 0.1 - 0.15) / 0.5
}

// ------------------------------------------------------------ scoring, a model we control

// A model whose every weight is 0 except norm_f's bias and one lm_head entry:
// every layer's input is 0, so q = k = 0 and every attention row is uniform
// over the causal positions (A1 = A2 for differential attention, so the
// effective row (1 - lambda) u / (1 - lambda) is uniform too), and the logits
// are norm_f's bias times lm_head: 1 for the byte '7', 0 for every other
// byte, so greedy decoding always answers "777".
static void controlled_model(Model *m, Vocab *v, AttnKind attn, const char *text, int T) {
    vocab_build(v, (const unsigned char *)text, strlen(text));
    ModelConfig c = model_config_default();
    c.attn = attn, c.norm = NORM_LAYERNORM, c.ffn = FFN_RELU, c.ffn_hidden = 16;
    c.vocab_size = v->size, c.block_size = T, c.n_layer = 2, c.n_head = 2, c.n_embd = 8;
    char err[256];
    if (model_create(m, &c, err, sizeof err) || model_alloc_acts(m, 1, T, err, sizeof err)) fail_msg("%s", err);
    m->p.norm_f_b[0] = 1;
    m->p.lm_head[(size_t)v->stoi['7'] * c.n_embd + 0] = 1;
}

static void test_controlled_model(void **state) {
    (void)state;
    // Line 1 is answered right (777), line 2 wrong. Both prompts, the newline
    // in front and "ab xyz:777 c ?xyz:", are 19 bytes: the newline and 6
    // filler bytes are noise, 3 answer, 4 needle ("xyz:"), 5 query. Line 3,
    // answered right, has a 34-byte prompt cut to its last 24 (block_size),
    // "yz:777 b b b b b b ?xyz:": 3 answer and 13 noise bytes of 24.
    const char *text = "ab xyz:777 c ?xyz:777\n"
                       "ab xyz:123 c ?xyz:123\n"
                       "a a a a xyz:777 b b b b b b ?xyz:777\n";
    const AttnKind kinds[2] = {ATTN_STANDARD, ATTN_DIFFERENTIAL};
    for (int k = 0; k < 2; k++) {
        Model m;
        Vocab v;
        controlled_model(&m, &v, kinds[k], text, 24);
        const size_t n = strlen(text);
        int *tok = malloc(n * sizeof(int));
        assert_int_equal(vocab_encode(&v, (const unsigned char *)text, n, tok, NULL), 0);
        NeedleTally t = {0};
        char err[256];
        if (needle_score_text(&m, &v, (const unsigned char *)text, tok, n, &t, err, sizeof err)) fail_msg("%s", err);
        assert_int_equal(t.n, 3);
        assert_int_equal(t.correct, 2);
        const double answer = 3.0 / 19 + 3.0 / 19 + 3.0 / 24, noise = 7.0 / 19 + 7.0 / 19 + 13.0 / 24;
        assert_close(t.answer_last, answer, 1e-5);
        assert_close(t.noise_last, noise, 1e-5);
        assert_close(t.answer_layers, answer, 1e-5);
        assert_close(t.noise_layers, noise, 1e-5);
        // a line the scorer cannot read is named
        const char *bad = "ab xyz:777 c ?xyz:777\nab c\n";
        assert_int_equal(vocab_encode(&v, (const unsigned char *)bad, strlen(bad), tok, NULL), 0);
        assert_int_equal(needle_score_text(&m, &v, (const unsigned char *)bad, tok, strlen(bad), &t, err, sizeof err), -1);
        assert_non_null(strstr(err, "line 2"));
        free(tok), model_free(&m);
    }
}

// ------------------------------------------------------------ the programs, end to end

#define SMALL "--preset", "tiny", "--n_layer", "1", "--n_embd", "16", "--n_head", "2", "--block_size", "48", \
              "--batch", "4", "--threads", "1", "--eval_every", "0", "--quiet"

static void test_end_to_end(void **state) {
    (void)state;
    assert_int_equal(GEN("--n", "300", "--len", "30-60", "--out", train_path), 0);
    assert_int_equal(GEN("--n", "12", "--len", "56", "--depth", "0.5", "--seed", "9", "--out", test_path), 0);
    int rc = DTX("train", SMALL, "--max_iters", "3", "--data", train_path, "--out", model_path);
    if (rc) fail_msg("training failed (%d): %s", rc, err_buf);
    const char *csv = tmp("needle.csv");
    rc = DTX("needle", "--model", model_path, "--text", test_path, "--csv", csv);
    if (rc) fail_msg("difftx needle failed (%d): %s", rc, err_buf);
    print_message("%s", out_buf);
    assert_non_null(strstr(out_buf, "accuracy"));
    assert_non_null(strstr(out_buf, "A1 - lambda A2")); // tiny is differential: the normalisation is stated
    assert_int_equal(DTX("needle", "--model", model_path, "--text", test_path, "--csv", csv), 0);
    char rows[2048];
    slurp(csv, rows, sizeof rows);
    int lines = 0;
    for (const char *p = rows; (p = strchr(p, '\n')); p++) lines++;
    assert_int_equal(lines, 3); // the header once, then one row per run
    assert_true(strncmp(rows, "model,text,attn,examples,correct,accuracy", 41) == 0);
    assert_non_null(strstr(rows, ",differential,12,"));
}

static void test_bad_input(void **state) {
    (void)state;
    const char *o = tmp("x.txt");
    expect_refusal(GEN("--depth", "1.5", "--out", o), 2, WORDS("--depth 1.5", "0 to 1"), "depth above 1");
    expect_refusal(GEN("--depth", "-0.1", "--out", o), 2, WORDS("--depth -0.1", "0 to 1"), "depth below 0");
    expect_refusal(GEN("--depth", "deep", "--out", o), 2, WORDS("--depth deep", "random"), "depth not a number");
    expect_refusal(GEN("--len", "18", "--out", o), 2, WORDS("--len 18", "too short", "at least 19"), "len too short");
    expect_refusal(GEN("--len", "30", "--needles", "3", "--out", o), 2, WORDS("--len 30", "at least 35"),
                   "len too short for 3 needles");
    expect_refusal(GEN("--len", "20-64", "--needles", "2", "--out", o), 2, WORDS("--len 20-64", "at least 27"),
                   "len range too short");
    expect_refusal(GEN("--len", "64-40", "--out", o), 2, WORDS("--len 64-40", "MIN <= MAX"), "len range reversed");
    expect_refusal(GEN("--needles", "0", "--out", o), 2, WORDS("--needles 0", "1 to 100"), "no needles");
    expect_refusal(GEN("--n", "ten", "--out", o), 2, WORDS("--n ten", "whole number"), "n not a number");
    expect_refusal(GEN("--n", "10"), 2, WORDS("--out", "required"), "no --out");
    expect_refusal(GEN("--size", "10", "--out", o), 2, WORDS("unknown flag", "--size"), "unknown flag");
    expect_refusal(GEN("--out", tmp("no/such/dir/x.txt")), 1, WORDS("no/such/dir/x.txt", "cannot open"),
                   "output folder missing");

    // difftx needle: the model of test_end_to_end (its vocabulary: the 40 symbols)
    if (access(model_path, R_OK)) {
        assert_int_equal(GEN("--n", "300", "--len", "30-60", "--out", train_path), 0);
        assert_int_equal(DTX("train", SMALL, "--max_iters", "1", "--data", train_path, "--out", model_path), 0);
    }
    write_text(tmp("upper.txt"), "ab xyz:123 c ?xyz:123\nab Xyz:123 c ?xyz:123\n");
    expect_refusal(DTX("needle", "--model", model_path, "--text", tmp("upper.txt")), 1,
                   WORDS("upper.txt", "'X'", "offset 25", "vocabulary"), "byte outside the vocabulary");
    write_text(tmp("noquery.txt"), "ab xyz:123 c ?xyz:123\nab xyz:123 c xyz:123\n");
    expect_refusal(DTX("needle", "--model", model_path, "--text", tmp("noquery.txt")), 1,
                   WORDS("noquery.txt", "line 2", "no query"), "line without a query");
    expect_refusal(DTX("needle", "--model", model_path, "--text", tmp("missing.txt")), 1,
                   WORDS("missing.txt", "no such file"), "text missing");
    expect_refusal(DTX("needle", "--model", tmp("missing.safetensors"), "--text", tmp("upper.txt")), 1,
                   WORDS("missing.safetensors"), "model missing");
    expect_refusal(DTX("needle", "--model", model_path), 2, WORDS("--text", "required"), "no --text");
    expect_refusal(DTX("needle", "--text", test_path), 2, WORDS("--model", "required"), "no --model");
    write_text(tmp("good.txt"), "ab xyz:123 c ?xyz:123\n");
    expect_refusal(DTX("needle", "--model", model_path, "--text", tmp("good.txt"), "--csv", tmp("no/dir/r.csv")), 1,
                   WORDS("--csv", "no/dir/r.csv"), "csv folder missing");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_deterministic),
        cmocka_unit_test(test_generator_format),
        cmocka_unit_test(test_parse_and_label),
        cmocka_unit_test(test_shares_and_diff_row),
        cmocka_unit_test(test_controlled_model),
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests_name("needle (" REAL_NAME ")", tests, setup, program_remove_dir);
}
