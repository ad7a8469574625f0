// test_plot.c — `difftx plot` and the CSV reading under it: training logs are
// parsed (empty cells are no value, CRLF and blank lines are fine), several
// runs are aligned on the x values they all have and summarised as mean, min
// and max, the printed table says the same, and bad input (a missing file, a
// column not in the header, a cell that is not a number, mismatched counts)
// gets one line on stderr and exit status 1 (bad file) or 2 (bad flags).
//
// The command-line half runs the real program (DIFFTX_BIN, the build of this
// test's configuration, set by notebooks-md/notebooks.mk) from the repository
// root, like tests/test_robust.c.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/csv.h"
#include "program.h"

#ifndef DIFFTX_BIN
#define DIFFTX_BIN "bin/difftx"
#endif

#define RUN(...) program_run(DIFFTX_BIN, ARGS(__VA_ARGS__))

// The table row of the line called label (it may hold a space): files, last
// x, mean, min, max. Fails the test if there is no such row.
static void table_row(const char *label, int *files, double *x, double *mean, double *lo, double *hi) {
    size_t len = strlen(label);
    for (const char *p = out_buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, label, len) || p[len] != ' ') continue;
        if (sscanf(p + len, "%d %lf %lf %lf %lf", files, x, mean, lo, hi) == 5) return;
    }
    fail_msg("no table row \"%s\" in: %s", label, out_buf);
}

static int file_contains(const char *path, const char *text) {
    static char buf[1 << 16];
    slurp(path, buf, sizeof buf);
    return strstr(buf, text) != NULL;
}

// Three runs of one experiment. a and b evaluate at 0, 2 and 4; c stopped
// after iteration 2; b was resumed from iteration 2, so its log repeats 2..3
// and the later rows are the ones that count.
static const char *const LOG_A = "iter,train_loss,val_loss,lr,tokens_per_s\n"
                                 "0,4.5,4.0,1e-5,1000\n"
                                 "1,3.9,,2e-5,1100\n"
                                 "2,3.4,3.0,3e-5,1200\n"
                                 "3,3.1,,4e-5,1200\n"
                                 "4,2.6,2.0,5e-5,1200\n";
static const char *const LOG_B = "iter,train_loss,val_loss,lr,tokens_per_s,lambda_0\n"
                                 "0,4.4,5.0,1e-5,900,0.8\n"
                                 "1,3.8,,2e-5,900,0.79\n"
                                 "2,3.9,9.0,3e-5,900,0.78\n"
                                 "3,3.7,,4e-5,900,0.77\n"
                                 "2,3.3,2.0,3e-5,900,0.78\n"
                                 "3,3.0,,4e-5,900,0.77\n"
                                 "4,2.4,1.0,5e-5,900,0.76\n";
static const char *const LOG_C = "iter,train_loss,val_loss,lr,tokens_per_s\r\n"
                                 "0,4.6,3.0,1e-5,800\r\n"
                                 "1,4.0,,2e-5,800\r\n"
                                 "2,3.5,4.0,3e-5,800\r\n"
                                 "\r\n";

static void parse_ok(const char *text, CsvTable *t) {
    char err[512];
    if (csv_parse("log.csv", text, strlen(text), t, err, sizeof err)) fail_msg("csv_parse: %s", err);
}

// ------------------------------------------------------------ parsing

static void test_parse(void **state) {
    (void)state;
    CsvTable t;
    parse_ok(LOG_A, &t);
    assert_int_equal(t.n_cols, 5);
    assert_int_equal(t.n_rows, 5);
    assert_string_equal(t.names[2], "val_loss");
    assert_int_equal(csv_column(&t, "val_loss"), 2);
    assert_int_equal(csv_column(&t, "tokens_per_s"), 4);
    assert_int_equal(csv_column(&t, "val"), -1);
    assert_close(t.v[0 * 5 + 2], 4.0, 0);
    assert_close(t.v[2 * 5 + 3], 3e-5, 0);
    assert_true(isnan(t.v[1 * 5 + 2]));  // empty cell: no value
    char cols[256];
    csv_describe_columns(&t, cols, sizeof cols);
    assert_string_equal(cols, "iter, train_loss, val_loss, lr, tokens_per_s");
    csv_free(&t);

    // CRLF, a trailing blank line, a byte-order mark, blanks around cells.
    parse_ok(LOG_C, &t);
    assert_int_equal(t.n_rows, 3);
    assert_string_equal(t.names[4], "tokens_per_s");
    assert_close(t.v[2 * 5 + 4], 800, 0);
    csv_free(&t);
    parse_ok("\xef\xbb\xbf x , y \n\n 1 , 2.5e1 \n3,\n", &t);
    assert_int_equal(t.n_rows, 2);
    assert_string_equal(t.names[0], "x");
    assert_string_equal(t.names[1], "y");
    assert_close(t.v[1], 25, 0);
    assert_true(isnan(t.v[3]));
    csv_free(&t);

    // A header alone is a table with no rows.
    parse_ok("iter,val_loss", &t);
    assert_int_equal(t.n_rows, 0);
    assert_int_equal(t.n_cols, 2);
    csv_free(&t);
}

static void expect_parse_error(const char *text, const char *const *words) {
    CsvTable t;
    char err[512] = "";
    if (csv_parse("log.csv", text, strlen(text), &t, err, sizeof err) == 0)
        fail_msg("csv_parse accepted \"%s\"", text);
    for (int i = 0; words[i]; i++)
        if (!strstr(err, words[i])) fail_msg("error for \"%s\" lacks \"%s\": %s", text, words[i], err);
    assert_null(t.names);  // nothing left to free
    print_message("%s\n", err);
}

static void test_parse_errors(void **state) {
    (void)state;
    expect_parse_error("", WORDS("log.csv", "empty", "header"));
    expect_parse_error("\n \n", WORDS("empty"));
    expect_parse_error("iter,val_loss\n0,1\n1,2,3\n", WORDS("log.csv line 3", "3 cells", "2 columns"));
    expect_parse_error("iter,val_loss\n0,1\n1\n", WORDS("line 3", "1 cell,"));
    expect_parse_error("iter,val_loss\n0,1\n1,abc\n", WORDS("log.csv line 3", "column val_loss", "\"abc\"", "not a number"));
    expect_parse_error("iter,val_loss\n0,1.5x\n", WORDS("line 2", "\"1.5x\""));
    expect_parse_error("iter,val_loss\n0,\"1.5\"\n", WORDS("line 2", "not a number"));
    expect_parse_error("iter,,val_loss\n", WORDS("line 1", "column 2 has no name"));
    expect_parse_error("iter,loss,iter\n", WORDS("\"iter\" appears twice"));

    CsvTable t;
    char err[512];
    assert_int_equal(csv_read("/nonexistent/run.csv", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/run.csv"));
    assert_non_null(strstr(err, "cannot open"));
}

// ------------------------------------------------------------ mean and band

static void test_band(void **state) {
    (void)state;
    CsvTable a, b, c;
    parse_ok(LOG_A, &a), parse_ok(LOG_B, &b), parse_ok(LOG_C, &c);
    char err[512];
    CsvBand band;

    // One run: its own points, the band collapsed onto them.
    const CsvTable *one[] = {&a};
    assert_int_equal(csv_band(one, 1, "iter", "val_loss", &band, err, sizeof err), 0);
    assert_int_equal(band.n, 3);
    const double xa[] = {0, 2, 4}, ya[] = {4, 3, 2};
    for (int i = 0; i < 3; i++) {
        assert_close(band.x[i], xa[i], 0);
        assert_close(band.mean[i], ya[i], 0);
        assert_close(band.lo[i], ya[i], 0);
        assert_close(band.hi[i], ya[i], 0);
    }
    csv_band_free(&band);

    // The resumed run: iteration 2 counts with its later value (2.0, not 9.0).
    const CsvTable *ab[] = {&a, &b};
    assert_int_equal(csv_band(ab, 2, "iter", "val_loss", &band, err, sizeof err), 0);
    assert_int_equal(band.n, 3);
    const double mean_ab[] = {4.5, 2.5, 1.5}, lo_ab[] = {4, 2, 1}, hi_ab[] = {5, 3, 2};
    for (int i = 0; i < 3; i++) {
        assert_close(band.x[i], xa[i], 0);
        assert_close(band.mean[i], mean_ab[i], 1e-12);
        assert_close(band.lo[i], lo_ab[i], 0);
        assert_close(band.hi[i], hi_ab[i], 0);
    }
    csv_band_free(&band);

    // Three runs, one shorter: only the x values all three have (0 and 2).
    const CsvTable *abc[] = {&a, &b, &c};
    assert_int_equal(csv_band(abc, 3, "iter", "val_loss", &band, err, sizeof err), 0);
    assert_int_equal(band.n, 2);
    assert_close(band.x[1], 2, 0);
    assert_close(band.mean[0], 4, 1e-12);  // (4 + 5 + 3) / 3
    assert_close(band.lo[0], 3, 0);
    assert_close(band.hi[0], 5, 0);
    assert_close(band.mean[1], 3, 1e-12);  // (3 + 2 + 4) / 3
    assert_close(band.lo[1], 2, 0);
    assert_close(band.hi[1], 4, 0);
    csv_band_free(&band);

    // A column every row has, against another x column.
    assert_int_equal(csv_band(abc, 3, "lr", "train_loss", &band, err, sizeof err), 0);
    assert_int_equal(band.n, 3);  // lr 1e-5, 2e-5, 3e-5 are in all three
    assert_close(band.x[0], 1e-5, 0);
    assert_close(band.mean[2], (3.4 + 3.3 + 3.5) / 3, 1e-12);
    csv_band_free(&band);

    // Errors: a column one file lacks, no row with a value, no shared x.
    assert_int_equal(csv_band(abc, 3, "iter", "lambda_0", &band, err, sizeof err), -1);
    assert_non_null(strstr(err, "no column \"lambda_0\""));
    assert_non_null(strstr(err, "its columns: iter, train_loss, val_loss, lr, tokens_per_s"));
    CsvTable empty, far;
    parse_ok("iter,val_loss\n0,\n1,\n", &empty);
    parse_ok("iter,val_loss\n10,1\n11,2\n", &far);
    const CsvTable *e1[] = {&a, &empty}, *e2[] = {&a, &far};
    assert_int_equal(csv_band(e1, 2, "iter", "val_loss", &band, err, sizeof err), -1);
    assert_non_null(strstr(err, "no row has values in both iter and val_loss"));
    assert_int_equal(csv_band(e2, 2, "iter", "val_loss", &band, err, sizeof err), -1);
    assert_non_null(strstr(err, "share no iter value"));
    assert_int_equal(band.n, 0);
    csv_free(&a), csv_free(&b), csv_free(&c), csv_free(&empty), csv_free(&far);
}

// ------------------------------------------------------------ the command

static void test_plot_lines(void **state) {
    (void)state;
    const char *svg = tmp("loss.svg");
    char series_ab[400], series_c[200];
    snprintf(series_ab, sizeof series_ab, "seeds=%s,%s", tmp("a.csv"), tmp("b.csv"));
    snprintf(series_c, sizeof series_c, "short=%s", tmp("c.csv"));
    int rc = RUN("plot", "--svg", svg, "--y", "val_loss", "--title", "Validation loss", "--hline", "2.5:target",
             "--hline", "1,3.5", series_ab, series_c);
    if (rc) fail_msg("exit status %d: %s", rc, err_buf);
    print_message("%s", out_buf);
    assert_non_null(strstr(out_buf, "val_loss at the last iter of each series"));
    int files;
    double x, mean, lo, hi;
    table_row("seeds", &files, &x, &mean, &lo, &hi);
    assert_int_equal(files, 2);
    assert_close(x, 4, 0);
    assert_close(mean, 1.5, 1e-9);
    assert_close(lo, 1, 1e-9);
    assert_close(hi, 2, 1e-9);
    table_row("short", &files, &x, &mean, &lo, &hi);
    assert_int_equal(files, 1);
    assert_close(x, 2, 0);
    assert_close(mean, 4, 1e-9);
    assert_close(lo, 4, 1e-9);
    assert_non_null(strstr(err_buf, "wrote"));
    // The figure: the band of the two seeds, a legend entry per line.
    assert_true(file_contains(svg, "<polygon"));
    assert_true(file_contains(svg, "Validation loss"));
    assert_true(file_contains(svg, ">seeds</text>"));
    assert_true(file_contains(svg, ">short</text>"));
    assert_true(file_contains(svg, ">target</text>"));
    assert_true(file_contains(svg, ">y = 1</text>"));
    assert_true(file_contains(svg, ">y = 3.5</text>"));

    // Two columns: a line (and a row) per series and column.
    snprintf(series_c, sizeof series_c, "b=%s", tmp("b.csv"));
    rc = RUN("plot", "--svg", tmp("both.svg"), "--y", "train_loss,val_loss", series_c);
    if (rc) fail_msg("exit status %d: %s", rc, err_buf);
    table_row("b train_loss", &files, &x, &mean, &lo, &hi);
    assert_close(x, 4, 0);
    assert_close(mean, 2.4, 1e-9);
    table_row("b val_loss", &files, &x, &mean, &lo, &hi);
    assert_close(mean, 1.0, 1e-9);
    assert_false(file_contains(tmp("both.svg"), "<polygon"));  // one file per series: no band
    assert_true(file_contains(tmp("both.svg"), ">b val_loss</text>"));
}

static void test_plot_bars(void **state) {
    (void)state;
    const char *svg = tmp("bars.svg");
    int rc = RUN("plot", "--bars", "--svg", svg, "--title", "Final loss", "--ylabel", "nats", "--groups",
                 "rotary,sinusoidal", "standard=1.6928,1.75", "differential=1.7315,");
    if (rc) fail_msg("exit status %d: %s", rc, err_buf);
    print_message("%s", out_buf);
    char name[32], v1[32], v2[32];
    assert_int_equal(sscanf(out_buf, "%31s %31s %31s", name, v1, v2), 3);
    assert_string_equal(name, "series");
    assert_string_equal(v1, "rotary");
    const char *row = strstr(out_buf, "\nstandard ");
    assert_non_null(row);
    assert_int_equal(sscanf(row, "%31s %31s %31s", name, v1, v2), 3);
    assert_close(atof(v1), 1.6928, 1e-12);
    assert_close(atof(v2), 1.75, 1e-12);
    row = strstr(out_buf, "\ndifferential ");
    assert_non_null(row);
    assert_int_equal(sscanf(row, "%31s %31s %31s", name, v1, v2), 3);
    assert_close(atof(v1), 1.7315, 1e-12);
    assert_string_equal(v2, "-");  // an empty value: no bar
    assert_true(file_contains(svg, "<rect"));
    assert_true(file_contains(svg, ">sinusoidal</text>"));
    assert_true(file_contains(svg, ">differential</text>"));
}

static void test_plot_refusals(void **state) {
    (void)state;
    const char *svg = tmp("x.svg");
    char a[200], ab[400], bad[200], nope[200];
    snprintf(a, sizeof a, "A=%s", tmp("a.csv"));
    snprintf(ab, sizeof ab, "A=%s,,%s", tmp("a.csv"), tmp("b.csv"));
    snprintf(bad, sizeof bad, "A=%s", tmp("bad.csv"));
    snprintf(nope, sizeof nope, "A=%s", tmp("nope.csv"));

    // Files: status 1, the file named.
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", nope), 1, WORDS("nope.csv", "cannot open"),
                   "missing file");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_los", a), 1,
                   WORDS("series A", "a.csv", "no column \"val_los\"", "its columns: iter, train_loss"),
                   "column not in the header");
    expect_refusal(RUN("plot", "--svg", svg, "--x", "step", "--y", "val_loss", a), 1, WORDS("no column \"step\""),
                   "x column not in the header");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", bad), 1,
                   WORDS("bad.csv line 3", "column val_loss", "\"abc\"", "not a number"), "non-numeric cell");
    expect_refusal(RUN("plot", "--svg", "/nonexistent-dir/x.svg", "--y", "val_loss", a), 1,
                   WORDS("--svg", "/nonexistent-dir/x.svg"), "unwritable --svg");
    assert_int_equal(access(svg, F_OK), -1);  // no figure from a refused command

    // Flags and series: status 2.
    expect_refusal(RUN("plot", "--y", "val_loss", a), 2, WORDS("--svg", "required"), "no --svg");
    expect_refusal(RUN("plot", "--svg", svg, a), 2, WORDS("--y", "required"), "no --y");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss"), 2, WORDS("nothing to plot"), "no series");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", "A"), 2, WORDS("A:", "expected LABEL=file.csv"),
                   "series without =");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", "A="), 2, WORDS("A=", "expected LABEL="),
                   "series without files");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", ab), 2, WORDS("expected LABEL="), "empty file name");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss,", a), 2, WORDS("--y val_loss,", "column names"),
                   "empty --y column");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", "--hline", "abc", a), 2,
                   WORDS("--hline abc", "VALUE or VALUE:label"), "bad --hline");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", a, "--hline"), 2, WORDS("--hline needs a value"),
                   "--hline without value");
    expect_refusal(RUN("plot", "--svg", svg, "--y", "val_loss", "--groups", "a,b", a), 2,
                   WORDS("--groups", "--bars"), "--groups without --bars");
    expect_refusal(RUN("plot", "--svg", svg, "--bogus", "1", a), 2, WORDS("unknown flag --bogus"), "unknown flag");
    expect_refusal(RUN("plot", "--bars", "--svg", svg, "--groups", "g1,g2", "s=1"), 2,
                   WORDS("s=1", "1 value, expected 2", "g1,g2"), "bars: too few values");
    expect_refusal(RUN("plot", "--bars", "--svg", svg, "--groups", "g1,g2", "s=1,2,3"), 2,
                   WORDS("3 values, expected 2"), "bars: too many values");
    expect_refusal(RUN("plot", "--bars", "--svg", svg, "--groups", "g1,g2", "s=1,x"), 2,
                   WORDS("\"x\"", "group g2", "not a number"), "bars: not a number");
    expect_refusal(RUN("plot", "--bars", "--svg", svg, "s=1"), 2, WORDS("--groups"), "bars: no --groups");
    expect_refusal(RUN("plot", "--bars", "--svg", svg, "--groups", "g", "--y", "val_loss", "s=1"), 2,
                   WORDS("--y", "line plots"), "bars: --y");
    expect_refusal(RUN("plot", "--bars", "--svg", svg, "--groups", "g,,h", "s=1,2,3"), 2, WORDS("--groups g,,h"),
                   "bars: empty group name");
    assert_int_equal(access(svg, F_OK), -1);

    // --help is not an error.
    assert_int_equal(RUN("plot", "--help"), 0);
    assert_non_null(strstr(out_buf, "usage: difftx plot"));
    assert_non_null(strstr(out_buf, "--hline"));
}

static int setup(void **state) {
    (void)state;
    if (program_make_dir("plot")) return -1;
    write_text(tmp("a.csv"), LOG_A);
    write_text(tmp("b.csv"), LOG_B);
    write_text(tmp("c.csv"), LOG_C);
    write_text(tmp("bad.csv"), "iter,val_loss\n0,1\n1,abc\n");
    return program_check(DIFFTX_BIN);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_band),
        cmocka_unit_test(test_plot_lines),  cmocka_unit_test(test_plot_bars),    cmocka_unit_test(test_plot_refusals),
    };
    return cmocka_run_group_tests_name("plot and CSV (" REAL_NAME ")", tests, setup, program_remove_dir);
}
