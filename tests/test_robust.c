// test_robust.c — bad input gets one clear line and the right exit status
// (2 for a usage error, 1 for any other failure), never a crash; training
// never loses work: Ctrl-C/SIGTERM save and exit 0, a non-finite loss stops
// with the step and the tensor named, a failed write (disk full, missing
// folder) or a kill -9 leaves the previous checkpoint whole.
//
// Everything runs the real program (DIFFTX_BIN, the build of this test's
// configuration, set by the Makefile) from the repository root, and checks
// its exit status and the words of its message.
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "io/safetensors.h"
#include "program.h"

#ifndef DIFFTX_BIN
#define DIFFTX_BIN "bin/difftx"
#endif

static char text_path[128];          // a small training text (in dir, see program.h)
static char good_path[128];          // a checkpoint trained on it (with optimizer state)

// Small enough to train in a fraction of a second, even under the sanitizers.
#define SMALL "--preset", "tiny", "--n_layer", "1", "--n_embd", "16", "--n_head", "2", "--block_size", "16", \
              "--batch", "4", "--threads", "1", "--eval_every", "0", "--quiet"

#define RUN(...) program_run(DIFFTX_BIN, ARGS(__VA_ARGS__))
// With the file size limited to fsize_limit bytes: a disk that fills up.
#define RUN_FSIZE(fsize_limit, ...) program_finish(program_start(DIFFTX_BIN, ARGS(__VA_ARGS__), fsize_limit))

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_size;
}

static void write_bytes(const char *path, const void *b, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static int count_temp_files(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '\\.tmp\\.' > '%s/count'", dir, dir);
    if (system(cmd) < 0) return -1;
    char b[32];
    slurp(tmp("count"), b, sizeof b);
    return atoi(b);
}

static int setup(void **state) {
    (void)state;
    if (program_make_dir("robust")) return -1;
    snprintf(text_path, sizeof text_path, "%s/text.txt", dir);
    snprintf(good_path, sizeof good_path, "%s/good.safetensors", dir);
    FILE *f = fopen(text_path, "w");
    if (!f) return -1;
    const char *lines[] = {"To be, or not to be, that is the question.\n", "All the world's a stage.\n",
                           "Now is the winter of our discontent.\n"};
    for (int i = 0; i < 60; i++) fputs(lines[i % 3], f);
    fclose(f);
    if (program_check(DIFFTX_BIN)) return -1;
    int rc = RUN("train", SMALL, "--max_iters", "3", "--data", text_path, "--out", good_path);
    if (rc) fprintf(stderr, "training the test checkpoint failed (%d): %s\n", rc, err_buf);
    return rc;
}

// ------------------------------------------------------------ flags

static void test_bad_flags(void **state) {
    (void)state;
    const char *d = text_path;
    expect_refusal(RUN("train", "--bogus", "1"), 2, WORDS("unknown flag", "--bogus"), "unknown flag");
    expect_refusal(RUN("train", "--n_embd"), 2, WORDS("--n_embd", "needs a value"), "missing value");
    expect_refusal(RUN("train", "--n_embd", "abc"), 2, WORDS("--n_embd abc", "not a whole number"), "not a number");
    expect_refusal(RUN("train", "--lr", "fast"), 2, WORDS("--lr fast", "not a number"), "not a number (float)");
    expect_refusal(RUN("train", "--lr", "nan"), 2, WORDS("--lr nan", "not a number"), "NaN");
    expect_refusal(RUN("train", "--n_embd", "0"), 2, WORDS("--n_embd 0", "out of range", "1 to"), "zero size");
    expect_refusal(RUN("train", "--batch=-4"), 2, WORDS("--batch -4", "out of range"), "negative size");
    expect_refusal(RUN("train", "--n_layer", "99999999999999999999999"), 2, WORDS("--n_layer", "out of range"),
                   "huge number");
    expect_refusal(RUN("train", "--lr", "1e999"), 2, WORDS("--lr 1e999", "out of range"), "overflowing float");
    expect_refusal(RUN("train", "--n_embd", "30", "--n_head", "4", "--data", d), 2,
                   WORDS("n_embd = 30", "not divisible", "n_head = 4"), "n_embd % n_head");
    expect_refusal(RUN("train", "--attn", "differential", "--n_embd", "48", "--n_head", "3", "--data", d), 2,
                   WORDS("n_head = 3", "even"), "odd heads (differential)");
    expect_refusal(RUN("train", "--attn", "standard", "--pos", "rotary", "--n_embd", "36", "--n_head", "4", "--data", d),
                   2, WORDS("9", "odd", "rotary"), "odd head width (rotary)");
    expect_refusal(RUN("train", "--n_embd", "16384", "--n_layer", "256", "--data", d), 2,
                   WORDS("needs about", "GiB", "memory"), "model too large");
    expect_refusal(RUN("train", "--batch", "65536", "--block_size", "8192", "--data", d), 2,
                   WORDS("GiB", "batch 65536 x 8192"), "activations too large");
    expect_refusal(RUN("train", "--preset", "huge"), 2, WORDS("--preset huge", "tiny, baby or laptop"), "unknown preset");
    expect_refusal(RUN("train", "--attn", "sideways"), 2, WORDS("--attn sideways", "standard or differential"),
                   "bad choice");
    expect_refusal(RUN("train", "--quiet=yes"), 2, WORDS("--quiet", "takes no value"), "value for a switch");
    expect_refusal(RUN("train", "n_layer", "4"), 2, WORDS("unexpected argument", "n_layer"), "argument without --");
    expect_refusal(RUN("train", "--data", ""), 2, WORDS("--data", "empty"), "empty value");
    expect_refusal(RUN("sample", "--tokens", "10"), 2, WORDS("--model", "required"), "sample without --model");
    expect_refusal(RUN("sample", "--model", good_path, "--temperature", "-1"), 2,
                   WORDS("--temperature -1", "out of range"), "negative temperature");
    expect_refusal(RUN("eval", "--model", good_path), 2, WORDS("--text", "required"), "eval without --text");
    expect_refusal(RUN("info"), 2, WORDS("--model", "required"), "info without --model");
    expect_refusal(RUN("gradcheck", "--layer"), 2, WORDS("--layer", "needs a value"), "gradcheck missing value");
    expect_refusal(RUN("gradcheck", "--layer", "nosuch"), 2, WORDS("nosuch", "no such layer"), "gradcheck bad layer");
    // (the list of commands follows the line)
    expect_failure(RUN("frobnicate"), 2, WORDS("unknown command", "frobnicate"), "unknown command");
}

// ------------------------------------------------------------ data

static void test_bad_data(void **state) {
    (void)state;
    write_bytes(tmp("empty.txt"), "", 0);
    write_bytes(tmp("short.txt"), "To be.\n", 7);
    expect_refusal(RUN("train", SMALL, "--data", tmp("missing.txt"), "--out", tmp("x.safetensors")), 1,
                   WORDS("missing.txt", "no such file"), "data missing");
    expect_refusal(RUN("train", SMALL, "--data", dir, "--out", tmp("x.safetensors")), 1, WORDS(dir, "directory"),
                   "data is a directory");
    expect_refusal(RUN("train", SMALL, "--data", tmp("empty.txt"), "--out", tmp("x.safetensors")), 1,
                   WORDS("empty.txt", "empty"), "data empty");
    expect_refusal(RUN("train", SMALL, "--data", tmp("short.txt"), "--out", tmp("x.safetensors")), 1,
                   WORDS("short.txt", "too short", "block_size + 1 = 17"), "data shorter than a window");
    if (geteuid() != 0) { // root reads anything
        write_bytes(tmp("secret.txt"), "abc", 3);
        chmod(tmp("secret.txt"), 0);
        expect_refusal(RUN("train", SMALL, "--data", tmp("secret.txt"), "--out", tmp("x.safetensors")), 1,
                       WORDS("secret.txt", "ermission"), "data unreadable");
    }
    // eval and sample: the model's vocabulary is the bytes of text.txt
    expect_refusal(RUN("eval", "--model", good_path, "--text", tmp("missing.txt")), 1, WORDS("missing.txt", "no such"),
                   "eval text missing");
    expect_refusal(RUN("eval", "--model", good_path, "--text", dir), 1, WORDS("directory"), "eval text is a directory");
    expect_refusal(RUN("eval", "--model", good_path, "--text", tmp("empty.txt")), 1, WORDS("empty"), "eval text empty");
    expect_refusal(RUN("eval", "--model", good_path, "--text", "/dev/null"), 1, WORDS("/dev/null"), "eval text a device");
    expect_refusal(RUN("eval", "--model", good_path, "--text", tmp("short.txt")), 1,
                   WORDS("short.txt", "too short", "17"), "eval text shorter than a window");
    write_bytes(tmp("zebra.txt"), "To be, or not to be: zebra", 26);
    expect_refusal(RUN("eval", "--model", good_path, "--text", tmp("zebra.txt")), 1,
                   WORDS("zebra.txt", "':'", "offset 19", "vocabulary"), "eval byte outside vocabulary");
    expect_refusal(RUN("sample", "--model", good_path, "--prompt", "To be\xC3\xA9", "--tokens", "5"), 2,
                   WORDS("--prompt", "0xC3", "offset 5", "vocabulary"), "sample byte outside vocabulary");
}

// ------------------------------------------------------------ checkpoints

// The good checkpoint with `old` replaced by `new` in its header (the header
// length is updated), written to name; `after` (if not NULL) is a string
// that must occur before `old` (to pick one tensor's entry).
static const char *patch_header(const char *name, const char *after, const char *old, const char *new) {
    size_t n;
    unsigned char *b = read_bytes(good_path, &n);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--) h = (h << 8) | b[i];
    char *hdr = calloc(h + 1, 1);
    memcpy(hdr, b + 8, h);
    char *from = after ? strstr(hdr, after) : hdr;
    if (!from) fail_msg("no \"%s\" in the header", after);
    char *at = strstr(from, old);
    if (!at) fail_msg("no \"%s\" in the header", old);
    size_t pre = (size_t)(at - hdr), nh = h - strlen(old) + strlen(new);
    unsigned char *o = malloc(n + strlen(new) + 8);
    for (int i = 0; i < 8; i++) o[i] = (unsigned char)(nh >> (8 * i));
    memcpy(o + 8, hdr, pre);
    memcpy(o + 8 + pre, new, strlen(new));
    memcpy(o + 8 + pre + strlen(new), at + strlen(old), h - pre - strlen(old));
    memcpy(o + 8 + nh, b + 8 + h, n - 8 - h);
    const char *path = tmp(name);
    write_bytes(path, o, n - h + nh);
    free(o), free(hdr), free(b);
    return path;
}

// "[begin,end]" of tensor name in the good checkpoint.
static void offsets_of(const char *name, char *buf, size_t cap, size_t *begin) {
    StFile f;
    char err[256];
    if (st_read(good_path, &f, err, sizeof err)) fail_msg("%s", err);
    const StTensor *t = st_find(&f, name);
    assert_non_null(t);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--) h = (h << 8) | f.buf[i];
    size_t off = (size_t)(t->data - f.buf) - 8 - (size_t)h;
    snprintf(buf, cap, "[%zu,%zu]", off, off + t->nbytes);
    if (begin) *begin = 8 + (size_t)h + off;
    st_free(&f);
}

static void expect_bad_model(const char *path, const char *const *words, const char *what) {
    expect_refusal(RUN("info", "--model", path), 1, words, what);
}

static void test_bad_checkpoints(void **state) {
    (void)state;
    size_t n;
    unsigned char *good = read_bytes(good_path, &n);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--) h = (h << 8) | good[i];

    expect_bad_model(tmp("nothing.safetensors"), WORDS("nothing.safetensors", "No such file"), "checkpoint missing");
    expect_bad_model(dir, WORDS(dir, "directory"), "checkpoint is a directory");
    write_bytes(tmp("empty.safetensors"), "", 0);
    expect_bad_model(tmp("empty.safetensors"), WORDS("empty.safetensors", "too short", "0 bytes"), "checkpoint empty");
    expect_bad_model(text_path, WORDS("text.txt", "header length", "not a safetensors file"), "not safetensors");

    // Truncated anywhere: in the length, in the header, in the data.
    const size_t cuts[] = {1, 7, 8, 9, 8 + (size_t)h / 2, 8 + (size_t)h, 8 + (size_t)h + 1, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_bytes(tmp("cut.safetensors"), good, cuts[i]);
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu of %zu", cuts[i], n);
        expect_bad_model(tmp("cut.safetensors"), WORDS("cut.safetensors"), what);
    }
    unsigned char *big = malloc(n);
    memcpy(big, good, n);
    for (int i = 0; i < 8; i++) big[i] = (unsigned char)((uint64_t)n >> (8 * i));
    write_bytes(tmp("hlen.safetensors"), big, n);
    expect_bad_model(tmp("hlen.safetensors"), WORDS("header length", "larger than the file"), "header length > file");
    free(big);

    expect_bad_model(patch_header("json.safetensors", NULL, "\"dtype\":", "\"dtype\";"),
                     WORDS("json.safetensors", "not valid JSON"), "malformed JSON");
    expect_bad_model(patch_header("dtype.safetensors", "\"tok_emb\"", "\"F32\"", "\"F31\""),
                     WORDS("tok_emb", "unknown dtype", "F31"), "unknown dtype");
    char range[64], range2[64], far[96];
    offsets_of("blocks.0.attn.wq", range, sizeof range, NULL);
    offsets_of("blocks.0.attn.wk", range2, sizeof range2, NULL);
    snprintf(far, sizeof far, "[%zu,%zu]", n * 4, n * 4 + 1024);
    expect_bad_model(patch_header("range.safetensors", "\"blocks.0.attn.wq\"", range, far),
                     WORDS("blocks.0.attn.wq", "beyond the end"), "offsets out of range");
    expect_bad_model(patch_header("overlap.safetensors", "\"blocks.0.attn.wk\"", range2, range),
                     WORDS("blocks.0.attn.wq", "blocks.0.attn.wk", "overlap"), "offsets overlapping");
    expect_bad_model(patch_header("missing.safetensors", NULL, "\"blocks.0.attn.wv\"", "\"blocks.0.attn.wX\""),
                     WORDS("missing tensor", "blocks.0.attn.wv"), "missing tensor");
    expect_bad_model(patch_header("shape.safetensors", "\"blocks.0.ffn.w_up\"", "\"shape\":[64,16]", "\"shape\":[16,64]"),
                     WORDS("blocks.0.ffn.w_up", "shape [16, 64]", "expected [64, 16]"), "wrong shape");
    expect_bad_model(patch_header("meta.safetensors", NULL, "\"n_embd\":\"16\"", "\"n_embd\":\"32\""),
                     WORDS("n_embd = 32", "tok_emb", "contradicts"), "metadata contradicts tensors");
    expect_bad_model(patch_header("layers.safetensors", NULL, "\"n_layer\":\"1\"", "\"n_layer\":\"2\""),
                     WORDS("n_layer = 2", "blocks.1.attn.wq"), "metadata: too many layers");
    expect_bad_model(patch_header("ffn.safetensors", NULL, "\"ffn_hidden\":\"64\"", "\"ffn_hidden\":\"16000000\""),
                     WORDS("ffn_hidden = 16000000", "only"), "metadata: huge ffn_hidden");
    expect_bad_model(patch_header("metanum.safetensors", NULL, "\"n_head\":\"2\"", "\"n_head\":\"two\""),
                     WORDS("n_head", "two", "integer"), "metadata not a number");
    expect_bad_model(patch_header("lr.safetensors", NULL, "\"train.lr\":\"", "\"train.lr\":\"nan\",\"x\":\""),
                     WORDS("train.lr"), "metadata: NaN learning rate");

    size_t at;
    offsets_of("blocks.0.attn.wo", range, sizeof range, &at);
    unsigned char *nan = malloc(n);
    memcpy(nan, good, n);
    const float x = NAN;
    memcpy(nan + at + 4 * 5, &x, 4);
    write_bytes(tmp("nan.safetensors"), nan, n);
    free(nan);
    expect_bad_model(tmp("nan.safetensors"), WORDS("blocks.0.attn.wo", "non-finite", "index 5"), "non-finite weight");
    // the same refusals from the other commands that read a model
    expect_refusal(RUN("eval", "--model", tmp("nan.safetensors"), "--text", text_path), 1, WORDS("non-finite"),
                   "eval: non-finite weight");
    expect_refusal(RUN("sample", "--model", tmp("meta.safetensors")), 1, WORDS("contradicts"), "sample: bad metadata");
    expect_refusal(RUN("train", SMALL, "--data", text_path, "--resume", tmp("cut.safetensors"), "--out",
                       tmp("x.safetensors")),
                   1, WORDS("cut.safetensors"), "train --resume truncated");
    expect_refusal(RUN("sample", "--model", patch_header("window.safetensors", NULL, "\"block_size\":\"16\"",
                                                         "\"block_size\":\"1000000\""),
                       "--tokens", "5"),
                   1, WORDS("needs about", "GiB", "batch 1 x 1000000"), "sample: window too large");
    // The original is untouched by all this and still loads.
    assert_int_equal(RUN("info", "--model", good_path), 0);
    free(good);
}

// ------------------------------------------------------------ never lose work

static long checkpoint_step(const char *path) {
    Model m;
    Vocab v;
    TrainState ts;
    real *am, *av;
    char err[512];
    if (checkpoint_load(path, &m, &v, &am, &av, &ts, err, sizeof err)) fail_msg("%s", err);
    assert_non_null(am);
    free(am), free(av), model_free(&m);
    return ts.iter;
}

static void wait_for_file(const char *path) {
    for (int i = 0; i < 6000 && file_size(path) <= 0; i++) sleep_us(10000);
    assert_true(file_size(path) > 0);
}

// Ctrl-C (SIGINT) or SIGTERM: the step finishes, the checkpoint is written,
// exit 0 with where it is and how to resume; and the run resumes from it.
static void test_interrupt_saves(void **state) {
    (void)state;
    const int sigs[2] = {SIGINT, SIGTERM};
    for (int k = 0; k < 2; k++) {
        const char *ck = tmp(k ? "term.safetensors" : "int.safetensors");
        unlink(ck);
        pid_t pid = program_start(DIFFTX_BIN, ARGS("train", SMALL, "--max_iters", "1000000", "--save_every", "5",
                                                   "--data", text_path, "--out", ck), 0);
        wait_for_file(ck); // the loop (and its signal handlers) is running
        sleep_us(100000);
        kill(pid, sigs[k]);
        int rc = program_finish(pid);
        if (rc) fail_msg("exit %d after signal %d: %s", rc, sigs[k], err_buf);
        if (!strstr(out_buf, "interrupted") || !strstr(out_buf, ck) || !strstr(out_buf, "--resume"))
            fail_msg("stdout does not say where the checkpoint is and how to resume: %s", out_buf);
        long step = checkpoint_step(ck);
        print_message("signal %d: exit 0, checkpoint at step %ld: %s", sigs[k], step, out_buf);
        assert_true(step > 0 && step < 1000000);
        char want[32], ms[32];
        snprintf(want, sizeof want, "iteration %ld", step);
        assert_non_null(strstr(out_buf, want));
        // resume for two more steps
        snprintf(ms, sizeof ms, "%ld", step + 2);
        rc = RUN("train", "--resume", ck, "--max_iters", ms, "--data", text_path, "--out", ck, "--quiet");
        if (rc) fail_msg("resume: exit %d: %s", rc, err_buf);
        assert_int_equal(checkpoint_step(ck), step + 2);
    }
}

// A learning rate far too large makes differential attention's lambda
// overflow within a few steps: training stops, naming the iteration and a
// tensor, and the checkpoint of the last save is left as it was.
static void test_nonfinite_stops(void **state) {
    (void)state;
    const char *ck = tmp("blowup.safetensors");
    int rc = RUN("train", SMALL, "--attn", "differential", "--lr", "10", "--min_lr", "10", "--warmup", "0",
                 "--max_iters", "300", "--n_embd", "32",
                 "--save_every", "1", "--data", text_path, "--out", ck);
    expect_refusal(rc, 1, WORDS("iteration", "not finite", "\"", "stopping without saving", "keeps iteration"),
                   "non-finite loss");
    const char *k = strstr(err_buf, "keeps iteration ");
    long kept = atol(k + strlen("keeps iteration "));
    assert_int_equal(checkpoint_step(ck), kept); // loads: whole and finite
    char it[32];
    snprintf(it, sizeof it, "iteration %ld:", kept + 1);
    assert_non_null(strstr(err_buf, it));
}

// Disk full (a file size limit makes every write past it fail with EFBIG):
// the error is reported and the previous checkpoint is byte for byte intact,
// with no temporary file left behind. The same for a folder that does not
// exist and, when not root, a read-only folder.
static void test_failed_write_keeps_checkpoint(void **state) {
    (void)state;
    const char *ck = tmp("full.safetensors");
    assert_int_equal(RUN("train", SMALL, "--max_iters", "2", "--data", text_path, "--out", ck), 0);
    size_t n0;
    unsigned char *before = read_bytes(ck, &n0);
    int rc = RUN_FSIZE((long)n0 / 2, "train", "--resume", ck, "--max_iters", "4", "--data", text_path, "--out", ck, "--quiet");
    expect_refusal(rc, 1, WORDS("full.safetensors", "saving failed", "File too large", "left as it was"), "disk full");
    size_t n1;
    unsigned char *after = read_bytes(ck, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    assert_int_equal(count_temp_files(), 0);
    free(before), free(after);

    rc = RUN("train", SMALL, "--max_iters", "2", "--data", text_path, "--out", tmp("no/such/dir/x.safetensors"));
    expect_refusal(rc, 1, WORDS("no/such/dir/x", "No such file"), "output folder missing");
    if (geteuid() != 0) {
        mkdir(tmp("ro"), 0755);
        const char *ro_ck = tmp("ro/x.safetensors");
        assert_int_equal(RUN("train", SMALL, "--max_iters", "2", "--data", text_path, "--out", ro_ck), 0);
        size_t m0;
        before = read_bytes(ro_ck, &m0);
        chmod(tmp("ro"), 0555);
        rc = RUN("train", "--resume", ro_ck, "--max_iters", "4", "--data", text_path, "--out", ro_ck, "--quiet");
        chmod(tmp("ro"), 0755);
        expect_refusal(rc, 1, WORDS("x.safetensors", "ermission"), "read-only folder");
        after = read_bytes(ro_ck, &n1);
        assert_memory_equal(before, after, m0);
        free(before), free(after);
    }
}

// kill -9 at arbitrary moments of a run that saves every step: the
// checkpoint on disk is always the old or the new one, never a broken one,
// and the next run clears the dead run's temporary file.
static void test_kill9_never_breaks(void **state) {
    (void)state;
    const char *ck = tmp("kill9.safetensors");
    unlink(ck);
    srand(12345);
    long last = 0;
    for (int i = 0; i < 8; i++) {
        pid_t pid = program_start(DIFFTX_BIN, ARGS("train", SMALL, "--max_iters", "1000000", "--save_every", "1",
                                                   "--data", text_path, "--out", ck, i ? "--resume" : NULL, ck), 0);
        wait_for_file(ck);
        sleep_us(rand() % 150000);
        kill(pid, SIGKILL);
        assert_int_equal(program_finish(pid), 128 + SIGKILL);
        long step = checkpoint_step(ck);
        assert_true(step >= last);
        last = step;
    }
    print_message("8 runs killed with SIGKILL; the checkpoint always loaded (last at step %ld)\n", last);
    assert_int_equal(RUN("train", "--resume", ck, "--max_iters", "1", "--data", text_path, "--out", ck, "--quiet"), 0);
    assert_int_equal(count_temp_files(), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_bad_checkpoints),
        cmocka_unit_test(test_interrupt_saves),
        cmocka_unit_test(test_nonfinite_stops),
        cmocka_unit_test(test_failed_write_keeps_checkpoint),
        cmocka_unit_test(test_kill9_never_breaks),
    };
    return cmocka_run_group_tests_name("robustness (" REAL_NAME ")", tests, setup, program_remove_dir);
}
