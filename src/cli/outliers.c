// outliers.c (command) — `difftx outliers`: how large a model's largest
// activations are next to their typical size, the measurement of Table 5 of
// the Differential Transformer paper (which found far smaller outliers in
// differential attention, the reason it quantises better).
//
// Over N windows of block_size tokens at seeded random offsets of the text:
//   attention logits  s = <q_t, k_s> / sqrt(d) for every causal pair s <= t,
//                     every layer and head (differential: both Q1 K1^T and
//                     Q2 K2^T), from the saved post-rotary q and k;
//   hidden states     every value of the residual stream entering each block,
//                     and of the last block's output before norm_f.
// For each, per layer and pooled: the 1st, 10th and 100th largest |value|,
// the median |value| and top-1 / median. Memory does not grow with N: see
// AbsStats in probe.h (each window is run twice).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/files.h"
#include "io/strbuf.h"
#include "experiments/probe.h"

// A number for the table, or "-" where it does not exist (top-100 of fewer values).
static void cell(double v) {
    if (isnan(v)) printf(" %11s", "-");
    else printf(" %11.4g", v);
}
static void csv_num(StrBuf *b, double v) {
    if (isnan(v)) strbuf_str(b, ",");
    else strbuf_printf(b, ",%.9g", v);
}

static void row(StrBuf *b, const char *kind, const char *label, int csv_kind, int csv_layer, const AbsSummary *s) {
    char name[64];
    snprintf(name, sizeof name, "%s, %s", kind, label);
    printf("%-34s %12llu", name, (unsigned long long)s->n);
    cell(s->top1), cell(s->top10), cell(s->top100), cell(s->median), cell(s->ratio);
    printf("\n");
    strbuf_printf(b, "%d,%d,%llu", csv_kind, csv_layer, (unsigned long long)s->n);
    csv_num(b, s->top1), csv_num(b, s->top10), csv_num(b, s->top100), csv_num(b, s->median), csv_num(b, s->ratio);
    strbuf_str(b, "\n");
}

int cmd_outliers(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *model = NULL, *text = NULL, *csv = NULL;
    int windows = 8;
    long seed = 1337;
    ArgSpec specs[] = {
        {"model", ARG_STRING, &model, 0, 0, NULL, "checkpoint to measure (required)", 0},
        {"text", ARG_STRING, &text, 0, 0, NULL, "text file the windows are taken from (required)", 0},
        {"windows", ARG_INT, &windows, 1, 1e6, NULL, "windows of block_size tokens to run (default 8)", 0},
        {"seed", ARG_LONG, &seed, 0, 9e18, NULL, "seed of the windows' random offsets (default 1337)", 0},
        {"csv", ARG_STRING, &csv, 0, 0, NULL,
         "also write the table to this CSV file, numbers only: kind 0 = attention logits, 1 = hidden states; "
         "layer -1 = all together, n_layer = the output before norm_f", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);
    int rc = args_parse("outliers", "--model FILE --text FILE [--windows N] [--seed S] [--csv OUT]", argc, argv,
                        specs, ns);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;

    char err[512];
    CkptText p;
    OutlierReport r = {0};
    StrBuf b = {0};
    size_t *offsets = NULL;
    if ((rc = cli_load_model_text("outliers", model, text, &p))) goto done;
    rc = 1;
    const ModelConfig *c = &p.m.cfg;
    // A text shorter than a block gives one window of all of it, N times.
    const int T = p.n < (size_t)c->block_size ? (int)p.n : c->block_size;
    if (!(offsets = malloc((size_t)windows * sizeof *offsets))) {
        fprintf(stderr, "difftx outliers: out of memory for %d windows\n", windows);
        goto done;
    }
    ckpt_text_windows(p.n, T, windows, (uint64_t)seed, offsets);
    if (ckpt_text_alloc(&p, T, err, sizeof err) || probe_outliers(&p.m, p.tokens, T, offsets, windows, &r, err, sizeof err)) {
        fprintf(stderr, "difftx outliers: %s\n", err);
        goto done;
    }

    const int L = c->n_layer, diff = c->attn == ATTN_DIFFERENTIAL;
    printf("model: %s (%s attention, %d layers, %d heads%s)\n", model, attn_names[c->attn], L, c->n_head,
           diff ? " = pairs of maps Q1K1, Q2K2" : "");
    printf("windows: %d of %d tokens of %s (seed %ld) at offsets", windows, T, text, seed);
    for (int w = 0; w < windows && w < 16; w++) printf("%s%zu", w ? ", " : " ", offsets[w]);
    printf("%s\n", windows > 16 ? ", ..." : "");
    printf("%-34s %12s %11s %11s %11s %11s %11s\n", "|activation|", "count", "top-1", "top-10", "top-100", "median",
           "top1/median");
    strbuf_str(&b, "kind,layer,count,top1,top10,top100,median,top1_over_median\n");
    char label[48];
    for (int l = 0; l <= L; l++) {
        snprintf(label, sizeof label, "layer %d", l);
        row(&b, "attention logits", l < L ? label : "all layers", 0, l < L ? l : -1, &r.logits[l]);
    }
    for (int l = 0; l <= L + 1; l++) {
        snprintf(label, sizeof label, "block %d input", l);
        row(&b, "hidden states", l < L ? label : l == L ? "before norm_f" : "all", 1, l <= L ? l : -1, &r.hidden[l]);
    }
    fflush(stdout);
    const uint64_t bad = r.logits[L].nonfinite + r.hidden[L + 1].nonfinite;
    if (bad)
        fprintf(stderr, "outliers: %llu non-finite activations were left out of the statistics\n",
                (unsigned long long)bad);
    if (csv) {
        if (cli_write_strbuf("outliers", "csv", csv, &b)) goto done;
        fprintf(stderr, "outliers: table written to %s\n", csv);
    }
    rc = 0;
done:
    free(offsets), free(b.s);
    probe_outlier_report_free(&r);
    ckpt_text_close(&p);
    return rc;
}
