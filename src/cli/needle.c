// needle.c (command) — `difftx needle`: retrieval accuracy and attention
// allocation of a checkpoint on a needle-in-a-haystack file written by
// bin/needle (data/needle.c); the measuring itself is in src/needle.c.
// The table goes to stdout; --csv appends one row per run so that several
// test files (lengths, depths) and models can be tabulated together.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/files.h"
#include "experiments/needle.h"

// A CSV field: quoted (with "" for ") when it holds a comma, quote or newline.
static void csv_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int cmd_needle(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *model = NULL, *text = NULL, *csv = NULL;
    ArgSpec specs[] = {
        {"model", ARG_STRING, &model, 0, 0, NULL, "checkpoint to score (required)", 0},
        {"text", ARG_STRING, &text, 0, 0, NULL, "test lines written by bin/needle (required)", 0},
        {"csv", ARG_STRING, &csv, 0, 0, NULL, "append one result row to this CSV file (header if new)", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);
    int rc = args_parse("needle", "--model FILE --text FILE [--csv OUT]", argc, argv, specs, ns);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;

    // Loading and the vocabulary check are difftx eval's, message for message.
    char err[512];
    CkptText p;
    FILE *out = NULL;
    if ((rc = cli_load_model_text("needle", model, text, &p))) goto done;
    rc = 1;
    Model *m = &p.m;
    const int T = m->cfg.block_size;
    if (ckpt_text_alloc(&p, T, err, sizeof err)) {
        fprintf(stderr, "difftx needle: %s\n", err);
        goto done;
    }
    // Opened before the work, so a wrong path fails at once.
    long at_end = 0;
    if (csv) {
        if (!(out = fopen(csv, "a"))) {
            fprintf(stderr, "difftx needle: --csv %s: cannot open for appending: %s\n", csv, strerror(errno));
            goto done;
        }
        fseek(out, 0, SEEK_END);
        at_end = ftell(out);
    }
    NeedleTally t = {0};
    if (needle_score_text(m, &p.v, p.text, p.tokens, p.n, &t, err, sizeof err)) {
        fprintf(stderr, "difftx needle: %s: %s\n", text, err);
        goto done;
    }
    const double N = (double)t.n, acc = t.correct / N;
    const int diff = m->cfg.attn == ATTN_DIFFERENTIAL;
    printf("needle: %s on %s (%s attention, %d layers, block_size %d)\n", model, text, attn_names[m->cfg.attn],
           m->cfg.n_layer, T);
    printf("accuracy: greedy decoding after the query's ':' reproduces the value exactly\n");
    printf("shares of the attention row of the query's ':' (the position predicting the first answer character),\n"
           "mean over heads and examples, in the last layer and averaged over layers: answer = the needle's value\n"
           "in the context, noise = the filler (every byte outside the needles and the query)\n");
    if (diff)
        printf("differential attention: rows of the effective map A1 - lambda A2 divided by their sum 1 - lambda,\n"
               "so they sum to 1 like a softmax row (entries can be negative)\n");
    printf("\n");
    printf("  %8s  %8s  %11s  %10s  %13s  %12s\n", "examples", "accuracy", "answer last", "noise last",
           "answer layers", "noise layers");
    printf("  %8ld  %8.4f  %11.4f  %10.4f  %13.4f  %12.4f\n", t.n, acc, t.answer_last / N, t.noise_last / N,
           t.answer_layers / N, t.noise_layers / N);
    fflush(stdout);
    if (out) {
        if (at_end == 0)
            fprintf(out, "model,text,attn,examples,correct,accuracy,answer_last,noise_last,answer_layers,noise_layers\n");
        csv_field(out, model), fputc(',', out), csv_field(out, text);
        fprintf(out, ",%s,%ld,%ld,%.6f,%.6f,%.6f,%.6f,%.6f\n", attn_names[m->cfg.attn], t.n, t.correct, acc,
                t.answer_last / N, t.noise_last / N, t.answer_layers / N, t.noise_layers / N);
        int failed = ferror(out);
        failed |= fclose(out) != 0;
        out = NULL;
        if (failed) {
            fprintf(stderr, "difftx needle: --csv %s: writing failed: %s\n", csv, strerror(errno));
            goto done;
        }
    }
    rc = 0;
done:
    if (out) fclose(out);
    ckpt_text_close(&p);
    return rc;
}
