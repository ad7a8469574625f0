// csv.c — see csv.h.
#include "io/csv.h"

#include "io/file.h"
#include "io/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void csv_free(CsvTable *t) {
    if (t->names)
        for (int i = 0; i < t->n_cols; i++) free(t->names[i]);
    free(t->names), free(t->v), free(t->source);
    memset(t, 0, sizeof *t);
}

int csv_column(const CsvTable *t, const char *name) {
    for (int i = 0; i < t->n_cols; i++)
        if (!strcmp(t->names[i], name)) return i;
    return -1;
}

void csv_describe_columns(const CsvTable *t, char *buf, size_t cap) {
    StrBuf b = {0};
    for (int i = 0; i < t->n_cols; i++) strbuf_printf(&b, "%s%s", i ? ", " : "", t->names[i]);
    snprintf(buf, cap, "%s", b.s && !b.failed ? b.s : "");
    free(b.s);
}

// Narrows [s, e) to its text without surrounding blanks (nor the '\r' of a
// CRLF file).
static void trim(const char **s, const char **e) {
    while (*s < *e && (**s == ' ' || **s == '\t')) (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r')) (*e)--;
}

static char *copy_span(const char *s, const char *e) {
    char *c = malloc((size_t)(e - s) + 1);
    if (c) memcpy(c, s, (size_t)(e - s)), c[e - s] = 0;
    return c;
}

// One trimmed cell: empty -> NaN; otherwise all of it must be a number
// (strtod: 1e-3, nan and inf are accepted, "1.5x" and "abc" are not).
static int parse_cell(const char *s, const char *e, double *out) {
    if (s == e) {
        *out = NAN;
        return 0;
    }
    char buf[64], *end;
    if ((size_t)(e - s) >= sizeof buf) return -1;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = 0;
    double x = strtod(buf, &end);  // out of range: ~0 or inf, both fine for a plot
    if (end == buf || *end) return -1;
    *out = x;
    return 0;
}

// The header line [s, e): n_cols non-empty, distinct names.
static int parse_header(CsvTable *t, const char *s, const char *e, long line, char *err, size_t errlen) {
    int cells = 1;
    for (const char *q = s; q < e; q++) cells += *q == ',';
    t->n_cols = cells;
    if (!(t->names = calloc((size_t)cells, sizeof *t->names))) return -2;
    for (int c = 0; c < cells; c++) {
        const char *ce = memchr(s, ',', (size_t)(e - s));
        if (!ce) ce = e;
        const char *ns = s, *ne = ce;
        trim(&ns, &ne);
        if (ns == ne) {
            io_errorf(err, errlen, "%s line %ld: column %d has no name in the header", t->source, line, c + 1);
            return -1;
        }
        if (!(t->names[c] = copy_span(ns, ne))) return -2;
        for (int k = 0; k < c; k++)
            if (!strcmp(t->names[k], t->names[c])) {
                io_errorf(err, errlen, "%s line %ld: column name \"%s\" appears twice in the header", t->source, line,
                          t->names[c]);
                return -1;
            }
        s = ce + 1;
    }
    return 0;
}

// A data line [s, e) into row t->n_rows.
static int parse_row(CsvTable *t, const char *s, const char *e, long line, char *err, size_t errlen) {
    int cells = 1;
    for (const char *q = s; q < e; q++) cells += *q == ',';
    if (cells != t->n_cols) {
        io_errorf(err, errlen, "%s line %ld: %d cell%s, but the header names %d columns (%s%s)", t->source, line,
                  cells, cells == 1 ? "" : "s", t->n_cols, t->names[0], t->n_cols > 1 ? ", ..." : "");
        return -1;
    }
    double *row = t->v + (size_t)t->n_rows * (size_t)t->n_cols;
    for (int c = 0; c < cells; c++) {
        const char *ce = memchr(s, ',', (size_t)(e - s));
        if (!ce) ce = e;
        const char *vs = s, *ve = ce;
        trim(&vs, &ve);
        if (parse_cell(vs, ve, &row[c])) {
            int shown = ve - vs > 40 ? 40 : (int)(ve - vs);
            io_errorf(err, errlen, "%s line %ld, column %s: \"%.*s%s\" is not a number (expected a number or an empty cell)",
                      t->source, line, t->names[c], shown, vs, ve - vs > 40 ? "..." : "");
            return -1;
        }
        s = ce + 1;
    }
    t->n_rows++;
    return 0;
}

int csv_parse(const char *source, const char *text, size_t len, CsvTable *t, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    const char *p = text, *end = text + len;
    if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) p += 3;  // a UTF-8 byte-order mark
    int rc = -2;
    if (!(t->source = copy_span(source, source + strlen(source)))) goto fail;

    // Every line holds one row at most, so the line count bounds the rows.
    size_t n_lines = 1;
    for (const char *q = p; q < end; q++) n_lines += *q == '\n';

    long line = 0;
    for (const char *ls = p;;) {
        const char *le = memchr(ls, '\n', (size_t)(end - ls));
        if (!le) le = end;
        line++;
        const char *s = ls, *e = le;
        trim(&s, &e);
        if (s < e) {  // blank lines (a trailing newline, a gap) are skipped
            if (!t->names) {
                if ((rc = parse_header(t, s, e, line, err, errlen))) goto fail;
                if (!(t->v = malloc(n_lines * (size_t)t->n_cols * sizeof *t->v))) {
                    rc = -2;
                    goto fail;
                }
            } else if ((rc = parse_row(t, s, e, line, err, errlen))) {
                goto fail;
            }
        }
        if (le == end) break;
        ls = le + 1;
    }
    if (!t->names) {
        io_errorf(err, errlen, "%s: empty, expected a header line of column names (iter,train_loss,...)", source);
        rc = -1;
        goto fail;
    }
    return 0;
fail:
    if (rc == -2) io_errorf(err, errlen, "%s: out of memory reading the table", source);
    csv_free(t);
    return -1;
}

int csv_read(const char *path, CsvTable *t, char *err, size_t errlen) {
    unsigned char *data;
    size_t len;
    memset(t, 0, sizeof *t);
    if (file_read_all(path, &data, &len, err, errlen)) return -1;
    int rc = csv_parse(path, (const char *)data, len, t, err, errlen);
    free(data);
    return rc;
}

// ---- one curve over several runs ----------------------------------------------

typedef struct {
    double x, y;
    int row;
} Point;

// By x, then by row, so that among equal x the last row sorts last.
static int cmp_point(const void *a, const void *b) {
    const Point *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    return (p->row > q->row) - (p->row < q->row);
}

// The (x, y) rows of one table with both values finite, sorted by x, one per
// x (the last row). Returns the count, or -1 when out of memory.
static int table_points(const CsvTable *t, int xc, int yc, Point **out) {
    Point *pt = malloc(((size_t)t->n_rows + 1) * sizeof *pt);
    if (!pt) return -1;
    int n = 0;
    for (int r = 0; r < t->n_rows; r++) {
        double x = t->v[(size_t)r * t->n_cols + xc], y = t->v[(size_t)r * t->n_cols + yc];
        if (isfinite(x) && isfinite(y)) pt[n++] = (Point){x, y, r};
    }
    qsort(pt, (size_t)n, sizeof *pt, cmp_point);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && pt[m - 1].x == pt[i].x) m--;  // a later row with the same x replaces it
        pt[m++] = pt[i];
    }
    *out = pt;
    return m;
}

// The y at x in sorted unique points, or NaN.
static double lookup(const Point *pt, int n, double x) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (pt[mid].x == x) return pt[mid].y;
        if (pt[mid].x < x) lo = mid + 1;
        else hi = mid - 1;
    }
    return NAN;
}

void csv_band_free(CsvBand *b) {
    free(b->x), free(b->mean), free(b->lo), free(b->hi);
    memset(b, 0, sizeof *b);
}

int csv_band(const CsvTable *const *tables, int n_tables, const char *x, const char *y, CsvBand *out, char *err,
             size_t errlen) {
    memset(out, 0, sizeof *out);
    if (n_tables < 1) {
        io_errorf(err, errlen, "csv_band: no tables");
        return -1;
    }
    char cols[512];
    for (int k = 0; k < n_tables; k++) {
        const char *missing = csv_column(tables[k], x) < 0 ? x : csv_column(tables[k], y) < 0 ? y : NULL;
        if (missing) {
            csv_describe_columns(tables[k], cols, sizeof cols);
            io_errorf(err, errlen, "%s: no column \"%s\" (its columns: %s)", tables[k]->source, missing, cols);
            return -1;
        }
    }
    Point **pts = calloc((size_t)n_tables, sizeof *pts);
    int *counts = calloc((size_t)n_tables, sizeof *counts), rc = -1;
    if (!pts || !counts) goto oom;
    for (int k = 0; k < n_tables; k++) {
        const CsvTable *t = tables[k];
        if ((counts[k] = table_points(t, csv_column(t, x), csv_column(t, y), &pts[k])) < 0) goto oom;
        if (counts[k] == 0) {
            io_errorf(err, errlen, "%s: no row has values in both %s and %s", t->source, x, y);
            goto done;
        }
    }
    // The first table's x values are a superset of the common ones.
    const int cap = counts[0];
    out->x = malloc((size_t)cap * sizeof(double));
    out->mean = malloc((size_t)cap * sizeof(double));
    out->lo = malloc((size_t)cap * sizeof(double));
    out->hi = malloc((size_t)cap * sizeof(double));
    if (!out->x || !out->mean || !out->lo || !out->hi) goto oom;
    for (int i = 0; i < cap; i++) {
        double xv = pts[0][i].x, sum = 0, lo = INFINITY, hi = -INFINITY;
        int k;
        for (k = 0; k < n_tables; k++) {
            double yv = k ? lookup(pts[k], counts[k], xv) : pts[0][i].y;
            if (isnan(yv)) break;
            sum += yv, lo = fmin(lo, yv), hi = fmax(hi, yv);
        }
        if (k < n_tables) continue;  // not in every run
        out->x[out->n] = xv, out->mean[out->n] = sum / n_tables, out->lo[out->n] = lo, out->hi[out->n] = hi;
        out->n++;
    }
    if (out->n == 0) {
        io_errorf(err, errlen, "%s and the %d other file%s of this series share no %s value at which all have a %s",
                  tables[0]->source, n_tables - 1, n_tables > 2 ? "s" : "", x, y);
        goto done;
    }
    rc = 0;
    goto done;
oom:
    io_errorf(err, errlen, "%s: out of memory aligning %d runs", tables[0]->source, n_tables);
done:
    if (pts)
        for (int k = 0; k < n_tables; k++) free(pts[k]);
    free(pts), free(counts);
    if (rc) csv_band_free(out);
    return rc;
}
