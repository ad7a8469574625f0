// test_data.c — vocabulary, loading, split and batch sampling.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"

static const char *TINY = "data/tinyshakespeare/input.txt";

static void test_vocab_sorted_distinct(void **state) {
    (void)state;
    const char *s = "hello world\n";
    Vocab v;
    vocab_build(&v, (const unsigned char *)s, strlen(s));
    // distinct bytes of "hello world\n", sorted: \n space d e h l o r w
    assert_int_equal(v.size, 9);
    assert_memory_equal(v.itos, "\n dehlorw", 9);
    for (int i = 0; i < v.size; i++) assert_int_equal(v.stoi[v.itos[i]], i);
    assert_int_equal(v.stoi['z'], -1);
    assert_int_equal(v.stoi[0], -1);
}

static void test_encode_decode_round_trip(void **state) {
    (void)state;
    const unsigned char s[] = "To be, or not to be:\nthat is the question.";
    size_t n = sizeof s - 1;
    Vocab v;
    vocab_build(&v, s, n);
    int ids[sizeof s];
    unsigned char back[sizeof s];
    size_t bad = 12345;
    assert_int_equal(vocab_encode(&v, s, n, ids, &bad), 0);
    assert_int_equal(bad, 12345); // untouched on success
    for (size_t i = 0; i < n; i++) assert_in_range(ids[i], 0, v.size - 1);
    vocab_decode(&v, ids, n, back);
    assert_memory_equal(back, s, n);
}

static void test_encode_reports_unknown_byte(void **state) {
    (void)state;
    Vocab v;
    vocab_build(&v, (const unsigned char *)"abc", 3);
    const unsigned char text[] = "abcaXbQ";
    int ids[8];
    size_t bad = 0;
    assert_int_equal(vocab_encode(&v, text, 7, ids, &bad), -1);
    assert_int_equal(bad, 4); // the 'X', not the later 'Q'
    assert_int_equal(vocab_encode(&v, text, 7, ids, NULL), -1);
}

static void test_describe_byte(void **state) {
    (void)state;
    char buf[32];
    vocab_describe_byte('a', buf, sizeof buf);
    assert_string_equal(buf, "'a'");
    vocab_describe_byte('\n', buf, sizeof buf);
    assert_string_equal(buf, "0x0A (newline)");
    vocab_describe_byte(0xC3, buf, sizeof buf);
    assert_string_equal(buf, "0xC3");
}

static void test_split_point(void **state) {
    (void)state;
    assert_int_equal(data_split_point(1115394), 1003854);
    assert_int_equal(1115394 - data_split_point(1115394), 111540);
    assert_int_equal(data_split_point(10), 9);
    assert_int_equal(data_split_point(19), 17); // floor(17.1)
    assert_int_equal(data_split_point(0), 0);
    // no overflow where 9n would wrap: floor(9 * (SIZE_MAX) / 10)
    size_t m = (size_t)-1;
    assert_true(data_split_point(m) > m / 10 * 8);
}

enum { SN = 20, SB = 64, ST = 5 };

// tokens[i] = i, so each window's first input is its start position.
static void sample(uint64_t seed, int *inputs, int *targets) {
    int tokens[SN];
    for (int i = 0; i < SN; i++) tokens[i] = i;
    Rng rng;
    rng_seed(&rng, seed);
    data_sample_batch(&rng, tokens, SN, SB, ST, inputs, targets);
}

static void test_sampler_reproducible(void **state) {
    (void)state;
    int in1[SB * ST], tg1[SB * ST], in2[SB * ST], tg2[SB * ST];
    sample(42, in1, tg1);
    sample(42, in2, tg2);
    assert_memory_equal(in1, in2, sizeof in1);
    assert_memory_equal(tg1, tg2, sizeof tg1);
    sample(43, in2, tg2);
    assert_memory_not_equal(in1, in2, sizeof in1);
}

static void test_sampler_windows(void **state) {
    (void)state;
    int in[SB * ST], tg[SB * ST];
    int hit_first = 0, hit_last = 0;
    for (uint64_t seed = 0; seed < 8; seed++) {
        sample(seed, in, tg);
        for (int b = 0; b < SB; b++) {
            int s = in[b * ST];
            assert_in_range(s, 0, SN - ST - 1);
            hit_first |= s == 0;
            hit_last |= s == SN - ST - 1;
            for (int t = 0; t < ST; t++) {
                assert_int_equal(in[b * ST + t], s + t);     // contiguous window
                assert_int_equal(tg[b * ST + t], s + t + 1); // shifted by one
            }
        }
    }
    // 512 draws from 15 starts: both ends of the inclusive range must appear.
    assert_true(hit_first);
    assert_true(hit_last);

    // n == T + 1 leaves exactly one window.
    int tokens[ST + 1], one_in[2 * ST], one_tg[2 * ST];
    for (int i = 0; i <= ST; i++) tokens[i] = 100 + i;
    Rng rng;
    rng_seed(&rng, 7);
    data_sample_batch(&rng, tokens, ST + 1, 2, ST, one_in, one_tg);
    for (int b = 0; b < 2; b++) {
        assert_memory_equal(one_in + b * ST, tokens, ST * sizeof(int));
        assert_memory_equal(one_tg + b * ST, tokens + 1, ST * sizeof(int));
    }
}

// Temporary directory for the loader tests: created in setup, removed in teardown.
typedef struct {
    char dir[64];
    char path[128];
} Tmp;

static int tmp_setup(void **state) {
    Tmp *t = calloc(1, sizeof *t);
    if (!t) return -1;
    strcpy(t->dir, "/tmp/difftx_test_data_XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int tmp_teardown(void **state) {
    Tmp *t = *state;
    char p[160];
    const char *names[] = {"empty.txt", "small.txt", "tinyshakespeare", "sub"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", t->dir, names[i]);
        remove(p);
    }
    rmdir(t->dir);
    free(t);
    return 0;
}

static void test_load_errors(void **state) {
    Tmp *t = *state;
    char err[512];
    unsigned char dummy = 0, *text = &dummy; // must be reset to NULL on error
    size_t n = 99;

    // missing file: the message names it; the TinyShakespeare path suggests `make data`
    snprintf(t->path, sizeof t->path, "%s/tinyshakespeare/input.txt", t->dir);
    assert_int_equal(data_load_text(t->path, &text, &n, err, sizeof err), -1);
    assert_null(text);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, t->path));
    assert_non_null(strstr(err, "make data"));
    snprintf(t->path, sizeof t->path, "%s/nothere.txt", t->dir);
    assert_int_equal(data_load_text(t->path, &text, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "nothere.txt"));
    assert_null(strstr(err, "make data"));

    // a directory
    snprintf(t->path, sizeof t->path, "%s/sub", t->dir);
    assert_int_equal(mkdir(t->path, 0700), 0);
    assert_int_equal(data_load_text(t->path, &text, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "directory"));

    // an empty file
    snprintf(t->path, sizeof t->path, "%s/empty.txt", t->dir);
    FILE *f = fopen(t->path, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(data_load_text(t->path, &text, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    assert_non_null(strstr(err, "empty.txt"));
}

static void test_load_small_file(void **state) {
    Tmp *t = *state;
    char err[512];
    snprintf(t->path, sizeof t->path, "%s/small.txt", t->dir);
    FILE *f = fopen(t->path, "wb");
    assert_non_null(f);
    fputs("abc\n", f);
    fclose(f);
    unsigned char *text = NULL;
    size_t n = 0;
    assert_int_equal(data_load_text(t->path, &text, &n, err, sizeof err), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(text, "abc\n", 5); // including the terminating NUL
    free(text);
}

static void test_tinyshakespeare(void **state) {
    (void)state;
    if (access(TINY, R_OK) != 0) {
        printf("[  SKIPPED ] TinyShakespeare checks: %s not found (run `make data` from the repo root)\n", TINY);
        skip();
    }
    char err[512];
    unsigned char *text = NULL;
    size_t n = 0;
    if (data_load_text(TINY, &text, &n, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(n, 1115394);

    Vocab v;
    vocab_build(&v, text, n);
    assert_int_equal(v.size, 65);
    assert_int_equal(v.itos[0], '\n');
    assert_int_equal(v.itos[1], ' ');
    assert_int_equal(data_split_point(n), 1003854);
    assert_int_equal(n - data_split_point(n), 111540);

    int *ids = malloc(n * sizeof *ids);
    unsigned char *back = malloc(n);
    assert_non_null(ids);
    assert_non_null(back);
    size_t bad = 0;
    assert_int_equal(vocab_encode(&v, text, n, ids, &bad), 0);
    vocab_decode(&v, ids, n, back);
    assert_memory_equal(back, text, n);
    free(back);
    free(ids);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_sorted_distinct),
        cmocka_unit_test(test_encode_decode_round_trip),
        cmocka_unit_test(test_encode_reports_unknown_byte),
        cmocka_unit_test(test_describe_byte),
        cmocka_unit_test(test_split_point),
        cmocka_unit_test(test_sampler_reproducible),
        cmocka_unit_test(test_sampler_windows),
        cmocka_unit_test_setup_teardown(test_load_errors, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_load_small_file, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_tinyshakespeare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
