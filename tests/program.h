// program.h — for tests that run a real program (difftx, bin/needle) from the
// repository root and check its exit status and what it printed: a folder
// for the test's files, running a command with stdout and stderr captured,
// and the checks of a refusal. Included by test_robust.c, test_plot.c,
// test_probe.c and test_needle.c (each defines its RUN-style macros).
#ifndef DIFFTX_TEST_PROGRAM_H
#define DIFFTX_TEST_PROGRAM_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/file.h"
#include "test_util.h"

static char dir[64];                        // everything the test writes (program_make_dir)
static char out_path[128], err_path[128];   // the last run's stdout and stderr, in dir
static char out_buf[16384], err_buf[8192];  // their text after the run

// dir/name, in one of 8 buffers used in turn.
static inline const char *tmp(const char *name) {
    static char buf[8][160];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

// The file's first cap - 1 bytes as a string ("" if it cannot be read).
static inline void slurp(const char *path, char *buf, size_t cap) {
    buf[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

static inline void write_text(const char *path, const char *s) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(s, f);
    assert_int_equal(fclose(f), 0);
}

// The whole file (free it), or the test fails.
static inline unsigned char *read_bytes(const char *path, size_t *n) {
    unsigned char *b;
    char err[256];
    if (file_read_all(path, &b, n, err, sizeof err)) fail_msg("%s", err);
    return b;
}

// Makes dir = /tmp/difftx-NAME-XXXXXX and the paths of the captured output
// in it. 0, or -1.
static inline int program_make_dir(const char *name) {
    snprintf(dir, sizeof dir, "/tmp/difftx-%s-XXXXXX", name);
    if (!mkdtemp(dir)) return -1;
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    return 0;
}

// Removes dir and everything in it; a cmocka teardown.
static inline int program_remove_dir(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

// 0 if path is an executable file, else -1 after saying how to build it.
static inline int program_check(const char *path) {
    if (!access(path, X_OK)) return 0;
    fprintf(stderr, "%s is missing: run the tests with make test (from the repository root)\n", path);
    return -1;
}

// Starts program with args (NULL-terminated), stdout and stderr to out_path
// and err_path. fsize_limit > 0: RLIMIT_FSIZE for the child, a disk that
// fills up (writes past it fail with EFBIG).
static inline pid_t program_start(const char *program, const char *const *args, long fsize_limit) {
    const char *argv[64];
    int n = 0;
    argv[n++] = program;
    for (; args[n - 1] && n < 63; n++) argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0) _exit(126);
        dup2(o, 1), dup2(e, 2);
        if (fsize_limit > 0) {
            struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
            signal(SIGXFSZ, SIG_IGN); // writes past the limit fail with EFBIG instead
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

// Waits for the program: its exit status, or 128 + signal; fills out_buf and err_buf.
static inline int program_finish(pid_t pid) {
    int st;
    while (waitpid(pid, &st, 0) < 0) assert_int_equal(errno, EINTR);
    slurp(out_path, out_buf, sizeof out_buf);
    slurp(err_path, err_buf, sizeof err_buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// program_start then program_finish.
static inline int program_run(const char *program, const char *const *args) {
    return program_finish(program_start(program, args, 0));
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

// A failure: exit status want_rc, never a sanitizer report, and every word
// somewhere on stderr.
static inline void expect_failure(int rc, int want_rc, const char *const *words, const char *what) {
    if (rc != want_rc) fail_msg("%s: exit status %d, expected %d; stderr: %s", what, rc, want_rc, err_buf);
    if (strstr(err_buf, "Sanitizer") || strstr(err_buf, "runtime error"))
        fail_msg("%s: sanitizer report: %s", what, err_buf);
    for (int i = 0; words[i]; i++)
        if (!strstr(err_buf, words[i])) fail_msg("%s: stderr lacks \"%s\": %s", what, words[i], err_buf);
}

// stderr is exactly one line.
static inline void expect_one_line(const char *what) {
    const char *nl = strchr(err_buf, '\n');
    if (!nl || nl[1]) fail_msg("%s: not exactly one line on stderr: %s", what, err_buf);
}

// A refusal: expect_failure, one line on stderr and nothing on stdout; the
// line is printed.
static inline void expect_refusal(int rc, int want_rc, const char *const *words, const char *what) {
    expect_failure(rc, want_rc, words, what);
    expect_one_line(what);
    if (out_buf[0]) fail_msg("%s: a refusal printed on stdout: %s", what, out_buf);
    print_message("%-34s exit %d: %s", what, rc, err_buf);
}

#endif
