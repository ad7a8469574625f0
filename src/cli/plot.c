// plot.c (command) — `difftx plot`: line plots of training logs (one line per
// run, or the mean of several runs with a min–max band) and grouped bar charts
// of values given on the command line. The picture goes to an SVG file; what
// it shows is also printed as a small table on stdout, so that a notebook
// records the numbers and not only a figure.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "io/csv.h"
#include "io/svg.h"

#define MAX_ITEMS 256 // series, files per series, columns, groups, reference lines

static const char SYNOPSIS[] =
    "--svg OUT.svg [--x COL] --y COL[,COL...] [--title T] [--xlabel L] [--ylabel L]\n"
    "                     [--hline V[:label]]... LABEL=run.csv[,run2.csv...]...\n"
    "       difftx plot --bars --svg OUT.svg --groups G1,G2,... [--title T] [--ylabel L] LABEL=v1,v2,...\n\n"
    "Line plot: one line per LABEL; a LABEL with several files (seeds) is drawn as their mean with a\n"
    "min-max band, at the x values every file has. Several --y columns give one line per LABEL and\n"
    "column. Prints, per line, the last x and the mean/min/max of y there.\n"
    "Bar chart (--bars): one bar per LABEL in each group, values given on the command line.";

// A comma-separated list cut into items, in one owned copy of the text.
typedef struct {
    char *buf;
    char *item[MAX_ITEMS];
    int n;
} List;

// Splits s at commas. Empty items are kept (as ""), the caller decides
// whether they are allowed. -1 when there are more than MAX_ITEMS.
static int list_split(List *l, const char *s) {
    l->n = 0;
    if (!(l->buf = malloc(strlen(s) + 1))) return -1;
    strcpy(l->buf, s);
    for (char *p = l->buf;;) {
        if (l->n == MAX_ITEMS) return -1;
        l->item[l->n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    return 0;
}

static int list_has_empty(const List *l) {
    for (int i = 0; i < l->n; i++)
        if (!*l->item[i]) return 1;
    return 0;
}

// The whole of s as a finite number.
static int parse_number(const char *s, double *out) {
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end || !isfinite(x)) return -1;
    *out = x;
    return 0;
}

// LABEL=rest -> label and rest (pointers into a copy the caller frees).
static int split_series(const char *arg, char **copy, char **label, char **rest) {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) return -1;
    if (!(*copy = malloc(strlen(arg) + 1))) return -1;
    strcpy(*copy, arg);
    (*copy)[eq - arg] = 0;
    *label = *copy, *rest = *copy + (eq - arg) + 1;
    return 0;
}

// ---- line plots -------------------------------------------------------------

typedef struct {
    double value;
    char name[96];
} HLine;

// "--hline 0.8:lambda_init,0.2" -> entries appended to h.
static int parse_hlines(const char *arg, HLine *h, int *n) {
    List l;
    int rc = 0;
    if (list_split(&l, arg)) {
        free(l.buf);
        fprintf(stderr, "difftx plot: --hline %s: more than %d lines\n", arg, MAX_ITEMS);
        return EXIT_USAGE;
    }
    for (int i = 0; i < l.n && !rc; i++) {
        char *colon = strchr(l.item[i], ':');
        if (colon) *colon = 0;
        if (*n == MAX_ITEMS || parse_number(l.item[i], &h[*n].value) || (colon && !colon[1])) {
            fprintf(stderr, "difftx plot: --hline %s: expected VALUE or VALUE:label (comma-separated), e.g. 0.8:lambda_init\n",
                    arg);
            rc = EXIT_USAGE;
            break;
        }
        if (colon) snprintf(h[*n].name, sizeof h[*n].name, "%s", colon + 1);
        else snprintf(h[*n].name, sizeof h[*n].name, "y = %s", l.item[i]);
        (*n)++;
    }
    free(l.buf);
    return rc;
}

typedef struct {
    char *copy, *label;
    List files;
    CsvTable *tables;  // [files.n]
} Series;

static void series_free(Series *s, int n) {
    for (int i = 0; i < n; i++) {
        if (s[i].tables)
            for (int k = 0; k < s[i].files.n; k++) csv_free(&s[i].tables[k]);
        free(s[i].tables), free(s[i].files.buf), free(s[i].copy);
    }
}

static int plot_lines(const char *svg, const char *title, const char *xcol, const char *ycols, const char *xlabel,
                      const char *ylabel, const HLine *hl, int n_hl, char **args, int n_args) {
    Series *ser = calloc(MAX_ITEMS, sizeof *ser);  // Lists are large: not on the stack
    List ys = {0};
    CsvBand *bands = NULL;
    SvgSeries *lines = NULL;
    char (*names)[160] = NULL;
    int rc = EXIT_USAGE, n_ser = 0;
    char err[1024];
    if (!ser) {
        fprintf(stderr, "difftx plot: out of memory\n");
        return 1;
    }
    if (list_split(&ys, ycols) || list_has_empty(&ys)) {
        fprintf(stderr, "difftx plot: --y %s: expected column names separated by commas (at most %d)\n", ycols,
                MAX_ITEMS);
        goto done;
    }
    for (; n_ser < n_args; n_ser++) {
        Series *s = &ser[n_ser];
        char *rest;
        if (split_series(args[n_ser], &s->copy, &s->label, &rest) || list_split(&s->files, rest) ||
            list_has_empty(&s->files)) {
            fprintf(stderr, "difftx plot: %s: expected LABEL=file.csv or LABEL=file1.csv,file2.csv,...\n",
                    args[n_ser]);
            n_ser++;
            goto done;
        }
    }
    rc = 1;
    // Every file is read before anything is drawn, so that a bad one fails
    // the command without leaving a half-made figure.
    for (int i = 0; i < n_ser; i++) {
        if (!(ser[i].tables = calloc((size_t)ser[i].files.n, sizeof(CsvTable)))) goto oom;
        for (int k = 0; k < ser[i].files.n; k++)
            if (csv_read(ser[i].files.item[k], &ser[i].tables[k], err, sizeof err)) {
                fprintf(stderr, "difftx plot: %s\n", err);
                goto done;
            }
    }
    const int n_lines = n_ser * ys.n;
    bands = calloc((size_t)n_lines, sizeof *bands);
    lines = calloc((size_t)(n_lines + n_hl), sizeof *lines);
    names = calloc((size_t)(n_lines + n_hl), sizeof *names);
    if (!bands || !lines || !names) goto oom;
    double xlo = INFINITY, xhi = -INFINITY;
    for (int i = 0; i < n_ser; i++)
        for (int c = 0; c < ys.n; c++) {
            const int j = i * ys.n + c;
            const CsvTable *tabs[MAX_ITEMS];
            for (int k = 0; k < ser[i].files.n; k++) tabs[k] = &ser[i].tables[k];
            if (csv_band(tabs, ser[i].files.n, xcol, ys.item[c], &bands[j], err, sizeof err)) {
                fprintf(stderr, "difftx plot: series %s: %s\n", ser[i].label, err);
                goto done;
            }
            const CsvBand *b = &bands[j];
            if (ys.n > 1) snprintf(names[j], sizeof names[j], "%s %s", ser[i].label, ys.item[c]);
            else snprintf(names[j], sizeof names[j], "%s", ser[i].label);
            const int band = ser[i].files.n > 1;
            lines[j] = (SvgSeries){names[j], b->x, b->mean, b->n, band ? b->lo : NULL, band ? b->hi : NULL};
            xlo = fmin(xlo, b->x[0]), xhi = fmax(xhi, b->x[b->n - 1]);
        }
    // A reference line spans the x range of the data.
    double hx[2] = {xlo, xhi}, hy[MAX_ITEMS][2];
    for (int h = 0; h < n_hl; h++) {
        hy[h][0] = hy[h][1] = hl[h].value;
        snprintf(names[n_lines + h], sizeof names[0], "%s", hl[h].name);
        lines[n_lines + h] = (SvgSeries){names[n_lines + h], hx, hy[h], 2, NULL, NULL};
    }
    if (svg_lineplot(svg, title, xlabel ? xlabel : xcol, ylabel ? ylabel : ys.n == 1 ? ys.item[0] : NULL, lines,
                     n_lines + n_hl, err, sizeof err)) {
        fprintf(stderr, "difftx plot: --svg: %s\n", err);
        goto done;
    }

    // The table: per line, y at the last x every file of its series has.
    int wl = (int)strlen("series"), wx = (int)strlen(xcol);
    for (int j = 0; j < n_lines; j++) wl = (int)fmax(wl, (double)strlen(names[j]));
    wx = wx < 8 ? 8 : wx;
    printf("%s at the last %s of each series (mean, min and max over its files):\n", ycols, xcol);
    printf("%-*s  %5s  %*s  %12s  %12s  %12s\n", wl, "series", "files", wx, xcol, "mean", "min", "max");
    for (int j = 0; j < n_lines; j++) {
        const CsvBand *b = &bands[j];
        const int last = b->n - 1;
        char xs[48];
        snprintf(xs, sizeof xs, "%.10g", b->x[last]);
        printf("%-*s  %5d  %*s  %12.6g  %12.6g  %12.6g\n", wl, names[j], ser[j / ys.n].files.n, wx, xs,
               b->mean[last], b->lo[last], b->hi[last]);
    }
    fflush(stdout);
    fprintf(stderr, "plot: wrote %s\n", svg);
    rc = 0;
    goto done;
oom:
    fprintf(stderr, "difftx plot: out of memory\n");
done:
    if (bands)
        for (int j = 0; j < n_ser * ys.n; j++) csv_band_free(&bands[j]);
    free(bands), free(lines), free(names), free(ys.buf);
    series_free(ser, n_ser);
    free(ser);
    return rc;
}

// ---- bar charts ---------------------------------------------------------------

static int plot_bars(const char *svg, const char *title, const char *ylabel, const char *groups, char **args,
                     int n_args) {
    List g = {0}, vals = {0};
    char *copies[MAX_ITEMS] = {0};
    const char *labels[MAX_ITEMS] = {0};
    double *v = NULL;
    int rc = EXIT_USAGE, n = 0;
    char err[1024];
    if (list_split(&g, groups) || list_has_empty(&g)) {
        fprintf(stderr, "difftx plot: --groups %s: expected group names separated by commas (at most %d)\n", groups,
                MAX_ITEMS);
        goto done;
    }
    if (!(v = calloc((size_t)n_args * (size_t)g.n, sizeof *v))) {
        fprintf(stderr, "difftx plot: out of memory\n");
        rc = 1;
        goto done;
    }
    for (; n < n_args; n++) {
        char *label, *rest;
        if (split_series(args[n], &copies[n], &label, &rest)) {
            fprintf(stderr, "difftx plot: %s: expected LABEL=v1,v2,... (one value per --groups name)\n", args[n]);
            goto done;
        }
        labels[n] = label;
        free(vals.buf);
        if (list_split(&vals, rest) || vals.n != g.n) {
            fprintf(stderr, "difftx plot: %s: %d value%s, expected %d (one per --groups name: %s)\n", args[n],
                    vals.n, vals.n == 1 ? "" : "s", g.n, groups);
            goto done;
        }
        for (int k = 0; k < g.n; k++) {
            // An empty value leaves a gap: a configuration that was not run.
            if (!*vals.item[k]) v[(size_t)n * g.n + k] = NAN;
            else if (parse_number(vals.item[k], &v[(size_t)n * g.n + k])) {
                fprintf(stderr, "difftx plot: %s: value \"%s\" (group %s) is not a number\n", args[n], vals.item[k],
                        g.item[k]);
                goto done;
            }
        }
    }
    if (svg_bars(svg, title, ylabel, (const char *const *)g.item, g.n, labels, v, n, err, sizeof err)) {
        fprintf(stderr, "difftx plot: --svg: %s\n", err);
        rc = 1;
        goto done;
    }
    int wl = (int)strlen("series");
    for (int i = 0; i < n; i++) wl = (int)fmax(wl, (double)strlen(labels[i]));
    printf("%-*s", wl, "series");
    for (int k = 0; k < g.n; k++) printf("  %12s", g.item[k]);
    printf("\n");
    for (int i = 0; i < n; i++) {
        printf("%-*s", wl, labels[i]);
        for (int k = 0; k < g.n; k++) {
            double x = v[(size_t)i * g.n + k];
            if (isnan(x)) printf("  %12s", "-");
            else printf("  %12.6g", x);
        }
        printf("\n");
    }
    fflush(stdout);
    fprintf(stderr, "plot: wrote %s\n", svg);
    rc = 0;
done:
    for (int i = 0; i < MAX_ITEMS; i++) free(copies[i]);
    free(g.buf), free(vals.buf), free(v);
    return rc;
}

// ---- the command ----------------------------------------------------------------

int cmd_plot(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *svg = NULL, *x = "iter", *y = NULL, *title = NULL, *xlabel = NULL, *ylabel = NULL, *groups = NULL;
    const char *hline_unused = NULL;
    int bars = 0;
    ArgSpec specs[] = {
        {"svg", ARG_STRING, &svg, 0, 0, NULL, "SVG file to write (required)", 0},
        {"x", ARG_STRING, &x, 0, 0, NULL, "column for the x axis (default iter)", 0},
        {"y", ARG_STRING, &y, 0, 0, NULL, "column(s) to draw, comma-separated (required for a line plot)", 0},
        {"title", ARG_STRING, &title, 0, 0, NULL, "title above the chart", 0},
        {"xlabel", ARG_STRING, &xlabel, 0, 0, NULL, "x axis label (default: the --x column)", 0},
        {"ylabel", ARG_STRING, &ylabel, 0, 0, NULL, "y axis label (default: the --y column, if only one)", 0},
        {"hline", ARG_STRING, &hline_unused, 0, 0, NULL,
         "VALUE[:label]: a flat reference line; repeatable, or a comma list", 0},
        {"bars", ARG_FLAG, &bars, 0, 0, NULL, "grouped bar chart of LABEL=v1,v2,... (one value per group)", 0},
        {"groups", ARG_STRING, &groups, 0, 0, NULL, "with --bars: the group names, comma-separated", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);

    // args_parse knows flags only, each given once: the positional SERIES and
    // every --hline are taken out first, and the rest handed to it.
    char **flags = malloc(((size_t)argc + 1) * sizeof *flags), **pos = malloc(((size_t)argc + 1) * sizeof *pos);
    HLine *hl = malloc(MAX_ITEMS * sizeof *hl);
    int n_flags = 0, n_pos = 0, n_hl = 0, rc = 1;
    if (!flags || !pos || !hl) {
        fprintf(stderr, "difftx plot: out of memory\n");
        goto done;
    }
    flags[n_flags++] = argv[0];
    rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--hline") || !strncmp(a, "--hline=", 8)) {
            const char *val = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;
            if (!val) {
                fprintf(stderr, "difftx plot: --hline needs a value (VALUE or VALUE:label)\n");
                goto done;
            }
            if (parse_hlines(val, hl, &n_hl)) goto done;
        } else if (!strncmp(a, "--", 2)) {
            flags[n_flags++] = argv[i];
            const ArgSpec *s = args_find(specs, ns, a + 2);  // NULL for --name=value and unknown flags
            if (s && s->type != ARG_FLAG && i + 1 < argc) flags[n_flags++] = argv[++i];
        } else if (!strcmp(a, "-h")) {
            flags[n_flags++] = argv[i];
        } else {
            pos[n_pos++] = argv[i];
        }
    }
    rc = args_parse("plot", SYNOPSIS, n_flags, flags, specs, ns);
    if (rc) {
        if (rc == 1) rc = 0;  // help was printed
        goto done;
    }
    rc = EXIT_USAGE;
    if (!svg) {
        fprintf(stderr, "difftx plot: --svg OUT.svg is required (the chart to write)\n");
        goto done;
    }
    if (n_pos == 0) {
        fprintf(stderr, "difftx plot: nothing to plot: give at least one series, %s\n",
                bars ? "LABEL=v1,v2,..." : "LABEL=run.csv[,run2.csv...]");
        goto done;
    }
    if (n_pos > MAX_ITEMS) {
        fprintf(stderr, "difftx plot: %d series, at most %d\n", n_pos, MAX_ITEMS);
        goto done;
    }
    if (bars) {
        const char *wrong = args_find(specs, ns, "x")->seen ? "--x" : y ? "--y" : xlabel ? "--xlabel" : n_hl ? "--hline" : NULL;
        if (wrong) {
            fprintf(stderr, "difftx plot: %s is for line plots, not --bars\n", wrong);
            goto done;
        }
        if (!groups) {
            fprintf(stderr, "difftx plot: --bars needs --groups G1,G2,... (the names under the bars)\n");
            goto done;
        }
        rc = plot_bars(svg, title, ylabel, groups, pos, n_pos);
    } else {
        if (groups) {
            fprintf(stderr, "difftx plot: --groups is for bar charts (--bars), not line plots\n");
            goto done;
        }
        if (!y) {
            fprintf(stderr, "difftx plot: --y COLUMN is required (e.g. --y val_loss, or --y train_loss,val_loss)\n");
            goto done;
        }
        rc = plot_lines(svg, title, x, y, xlabel, ylabel, hl, n_hl, pos, n_pos);
    }
done:
    free(flags), free(pos), free(hl);
    return rc;
}
