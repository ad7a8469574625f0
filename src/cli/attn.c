// attn.c (command) — `difftx attn`: the attention maps of one layer on one
// window of a text, drawn as heatmaps (row = query position, column = key
// position, both labelled with the window's characters), with a short
// summary of each map on stdout for the notebooks to capture.
//
// Standard attention: the softmax map A of one head, or of every head side by
// side. Differential attention: for each differential head the two softmax
// maps A1, A2 and the map the head really applies to V, A1 - lambda A2, whose
// rows sum to 1 - lambda and whose entries may be negative (a diverging
// colour map, white at 0). Cells above the diagonal, which the causal mask
// removes, are drawn grey.
//
// Summary columns (see MapStats in probe.h): self = mean attention on the
// current token; entropy = mean row entropy in nats, with `uniform` that of
// uniform causal attention for scale; top1 = mean share of a row's mass on
// its largest key; negative = share of causal entries below 0; row_sum = mean
// row sum. For A1 - lambda A2, "mass" is |entry|.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/files.h"
#include "io/strbuf.h"
#include "io/svg.h"
#include "layers/diffattn.h"
#include "experiments/probe.h"

static const char *const map_names[] = {"A", "A1", "A2", "A1-lambda*A2"};
static const char *const map_titles[] = {"A", "A1", "A2", "A1 \u2212 \u03bbA2"}; // "A1 − λA2"

int cmd_attn(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *model = NULL, *text = NULL, *svg = NULL, *csv = NULL;
    long offset = 0;
    int len = 0, layer = 0, head = 0;
    ArgSpec specs[] = {
        {"model", ARG_STRING, &model, 0, 0, NULL, "checkpoint to look into (required)", 0},
        {"text", ARG_STRING, &text, 0, 0, NULL, "text file the window is taken from (required)", 0},
        {"offset", ARG_LONG, &offset, 0, 9e18, NULL, "first byte of the window (default 0)", 0},
        {"len", ARG_INT, &len, 1, 1e9, NULL, "window length, at most block_size (default block_size, or the rest of the text)", 0},
        {"layer", ARG_INT, &layer, 0, 1e9, NULL, "layer, counted from 0 (default the last)", 0},
        {"head", ARG_INT, &head, 0, 1e9, NULL, "head, counted from 0; a differential model has n_head/2 (default all, side by side)", 0},
        {"svg", ARG_STRING, &svg, 0, 0, NULL, "write the heatmaps to this SVG file (required)", 0},
        {"csv", ARG_STRING, &csv, 0, 0, NULL,
         "also write every causal entry (key <= query) to this CSV file, numbers only: map 0 = A, 1 = A1, "
         "2 = A2, 3 = A1 - lambda A2; query_byte, key_byte = the characters' byte values", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);
    int rc = args_parse("attn", "--model FILE --text FILE [--offset N] [--len L] [--layer l] [--head h] --svg OUT [--csv OUT]",
                        argc, argv, specs, ns);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;
    if (!model || !text || !svg) {
        fprintf(stderr, "difftx attn: --%s is required\n", !model ? "model FILE" : !text ? "text FILE" : "svg OUT");
        return EXIT_USAGE;
    }
    const int len_given = args_find(specs, ns, "len")->seen, layer_given = args_find(specs, ns, "layer")->seen;
    const int head_given = args_find(specs, ns, "head")->seen;

    char err[512];
    CkptText p;
    if ((rc = cli_load_model_text("attn", model, text, &p))) goto done;
    const ModelConfig *c = &p.m.cfg;
    const int diff = c->attn == ATTN_DIFFERENTIAL, nh = probe_n_heads(&p.m);
    rc = EXIT_USAGE;
    if (!layer_given) layer = c->n_layer - 1;
    if (layer >= c->n_layer) {
        fprintf(stderr, "difftx attn: --layer %d: out of range; %s has %d layers (0 to %d)\n", layer, model,
                c->n_layer, c->n_layer - 1);
        goto done;
    }
    if (head_given && head >= nh) {
        fprintf(stderr, "difftx attn: --head %d: out of range; %s has %d %sheads (0 to %d)\n", head, model, nh,
                diff ? "differential " : "", nh - 1);
        goto done;
    }
    if (len_given && len > c->block_size) {
        fprintf(stderr, "difftx attn: --len %d: longer than the model's block_size %d\n", len, c->block_size);
        goto done;
    }
    if ((size_t)offset >= p.n) {
        fprintf(stderr, "difftx attn: --offset %ld: past the end of %s (%zu bytes)\n", offset, text, p.n);
        goto done;
    }
    const size_t left = p.n - (size_t)offset;
    if (!len_given) len = left < (size_t)c->block_size ? (int)left : c->block_size;
    if ((size_t)len > left) {
        fprintf(stderr, "difftx attn: --offset %ld --len %d: the window runs past the end of %s (%zu bytes)\n", offset,
                len, text, p.n);
        goto done;
    }
    rc = 1;
    const int T = len;
    if (ckpt_text_alloc(&p, T, err, sizeof err)) {
        fprintf(stderr, "difftx attn: %s\n", err);
        goto done;
    }
    ckpt_text_run(&p, (size_t)offset, T);

    // The panels: per head shown, A (standard) or A1, A2, A1 - lambda A2.
    const int h0 = head_given ? head : 0, h1 = head_given ? head + 1 : nh, per = diff ? 3 : 1;
    const int np = (h1 - h0) * per;
    const size_t TT = (size_t)T * T;
    double *maps = malloc((size_t)np * TT * sizeof *maps);
    SvgPanel *panels = calloc((size_t)np, sizeof *panels);
    char(*titles)[48] = calloc((size_t)np, sizeof *titles);
    char(*labels)[8] = calloc((size_t)T, sizeof *labels);
    const char **lab = calloc((size_t)T, sizeof *lab);
    StrBuf out = {0};
    if (!maps || !panels || !titles || !labels || !lab) {
        fprintf(stderr, "difftx attn: out of memory for %d maps of %d x %d\n", np, T, T);
        goto free_all;
    }
    for (int t = 0; t < T; t++) {
        unsigned char ch = p.text[(size_t)offset + t];
        if (ch) labels[t][0] = (char)ch;
        else strcpy(labels[t], "\\0");
        lab[t] = labels[t];
    }
    const double lambda = diff ? probe_lambda(&p.m, layer) : 0;
    printf("model: %s (%s attention, %d layers, %d %sheads)\n", model, attn_names[c->attn], c->n_layer, nh,
           diff ? "differential " : "");
    printf("window: bytes [%ld, %ld) of %s; layer %d\n", offset, offset + T, text, layer);
    if (diff)
        printf("lambda = %.6f (lambda_init %.6f): rows of A1 - lambda A2 sum to 1 - lambda = %.6f\n", lambda,
               lambda_init_at(layer), 1 - lambda);
    printf("%-20s %8s %8s %8s %8s %8s %8s\n", "map", "self", "entropy", "uniform", "top1", "negative", "row_sum");
    if (csv) strbuf_str(&out, "layer,head,map,query,key,query_byte,key_byte,value\n");
    for (int i = 0; i < np; i++) {
        const int h = h0 + i / per;
        const ProbeMap which = diff ? (ProbeMap)(PROBE_A1 + i % per) : PROBE_A;
        double *mp = maps + (size_t)i * TT;
        probe_attn_map(&p.m, layer, h, which, 0, mp);
        MapStats s;
        probe_map_stats(mp, T, &s);
        char name[48];
        snprintf(name, sizeof name, "head %d %s", h, map_names[which]);
        printf("%-20s %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f\n", name, s.self, s.entropy, s.uniform, s.top1,
               s.negative, s.row_sum);
        for (int t = 0; csv && t < T; t++)
            for (int k = 0; k <= t; k++) {
                strbuf_printf(&out, "%d,%d,%d,%d,%d,%d,%d,%.9g\n", layer, h, (int)which, t, k,
                              p.text[(size_t)offset + t], p.text[(size_t)offset + k], mp[(size_t)t * T + k]);
            }
        // Above the diagonal there is no attention at all: grey, not a colour.
        for (int t = 0; t < T; t++)
            for (int k = t + 1; k < T; k++) mp[(size_t)t * T + k] = NAN;
        snprintf(titles[i], sizeof titles[i], "head %d: %s", h, map_titles[which]);
        panels[i] = (SvgPanel){titles[i], mp, T, T, which == PROBE_ADIFF, lab, lab};
    }
    fflush(stdout);
    char title[512];
    snprintf(title, sizeof title, "%s attention, layer %d: query (rows) x key (columns), bytes [%ld, %ld) of %s",
             attn_names[c->attn], layer, offset, offset + T, text);
    if (svg_heatmaps(svg, title, panels, np, err, sizeof err)) {
        fprintf(stderr, "difftx attn: --svg: %s\n", err);
        goto free_all;
    }
    fprintf(stderr, "attn: %d map%s written to %s\n", np, np == 1 ? "" : "s", svg);
    if (csv) {
        if (cli_write_strbuf("attn", "csv", csv, &out)) goto free_all;
        fprintf(stderr, "attn: every causal entry written to %s\n", csv);
    }
    rc = 0;
free_all:
    free(maps), free(panels), free(titles), free(labels), free(lab), free(out.s);
done:
    ckpt_text_close(&p);
    return rc;
}
