// svg.c — line plots, heatmaps and bar charts as hand-written SVG.
//
// SVG is plain text, so a chart is just a string built in a growable buffer
// and written with file_write_atomic. Layout uses estimated text widths (an
// average glyph is about 0.6 em wide in a sans-serif font), which is close
// enough to leave room for labels without measuring fonts.
#include "io/svg.h"
#include "io/strbuf.h"

#include "io/file.h"
#include "io/json.h"  // json_utf8_char, to escape labels safely

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define INK "#333333"       // text and axes
#define GRID "#e6e6e6"      // grid lines
#define MISSING "#bdbdbd"   // non-finite heatmap cells

// Tableau 10: distinct hues of similar lightness that stay apart for most
// forms of colour blindness.
static const char *const PALETTE[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
#define N_PALETTE (int)(sizeof PALETTE / sizeof PALETTE[0])


// ---- a growable string --------------------------------------------------------


// Appends s as XML text. Besides the five XML specials, control characters
// and invalid UTF-8 are not allowed in an SVG file at all; they are shown as
// visible escapes, which also makes byte-level tokens such as '\n' readable.
static void sb_escaped(StrBuf *b, const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t k = json_utf8_char(u + i, n - i);
        if (c == '&') strbuf_str(b, "&amp;");
        else if (c == '<') strbuf_str(b, "&lt;");
        else if (c == '>') strbuf_str(b, "&gt;");
        else if (c == '"') strbuf_str(b, "&quot;");
        else if (c == '\'') strbuf_str(b, "&#39;");
        else if (c == '\n') strbuf_str(b, "\\n");
        else if (c == '\t') strbuf_str(b, "\\t");
        else if (c == '\r') strbuf_str(b, "\\r");
        else if (c < 0x20 || c == 0x7f || k == 0) strbuf_printf(b, "\\x%02x", c);
        else {
            strbuf_add(b, s + i, k);
            i += k;
            continue;
        }
        i++;
    }
}

// Estimated width in pixels of s at the given font size: characters (not
// bytes) times an average glyph width.
static double text_width(const char *s, double size) {
    if (!s) return 0;
    size_t chars = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++)
        if ((*u & 0xc0) != 0x80) chars += (*u < 0x20) ? 2 : 1;  // control chars print as "\n"
    return (double)chars * 0.6 * size;
}

// <text> at (x, y); attrs is extra attribute text (starting with a space) or "".
static void sb_text(StrBuf *b, double x, double y, double size, const char *anchor, const char *attrs, const char *s) {
    strbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%g\" text-anchor=\"%s\"%s>", x, y, size, anchor, attrs);
    sb_escaped(b, s);
    strbuf_str(b, "</text>\n");
}

static void svg_begin(StrBuf *b, double w, double h) {
    strbuf_printf(b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
              "font-family=\"%s\" fill=\"%s\">\n",
              w, h, w, h, FONT, INK);
    strbuf_str(b, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
}

static void svg_title(StrBuf *b, double w, const char *title) {
    if (title) sb_text(b, w / 2, 30, 18, "middle", " font-weight=\"bold\"", title);
}

// Closes the document and writes it; frees the buffer either way.
static int svg_finish(StrBuf *b, const char *path, char *err, size_t errlen) {
    strbuf_str(b, "</svg>\n");
    int rc;
    if (b->failed) {
        io_errorf(err, errlen, "%s: out of memory building the SVG", path);
        rc = -1;
    } else {
        rc = file_write_atomic(path, b->s, b->len, err, errlen);
    }
    free(b->s);
    return rc;
}

// ---- nice axis ticks ------------------------------------------------------------

// An axis runs from lo to hi with n ticks step apart (lo and hi are ticks).
typedef struct {
    double lo, hi, step;
    int n;
    int decimals;  // for fixed-point tick labels; -1 means use %g
} Axis;

// The "nice" number (1, 2, 5 or 10 times a power of ten) closest to x
// (round = 1) or not below it (round = 0). From Heckbert, "Nice numbers
// for graph labels", Graphics Gems, 1990.
static double nice_num(double x, int round) {
    double e = floor(log10(x));
    double f = x / pow(10, e);
    double nf;
    if (round)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * pow(10, e);
}

// An axis covering [lo, hi] with about `target` ticks at nice values.
static Axis nice_axis(double lo, double hi, int target) {
    Axis a;
    if (!(hi > lo)) {  // one value: open a window around it
        double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    }
    double range = nice_num(hi - lo, 0);
    a.step = nice_num(range / (target - 1), 1);
    a.lo = floor(lo / a.step) * a.step;
    a.hi = ceil(hi / a.step) * a.step;
    double n = (a.hi - a.lo) / a.step + 1;
    if (!isfinite(a.step) || !(a.step > 0) || !isfinite(n) || n > 100 || !(a.hi > a.lo)) {
        // Extreme ranges (near the limits of double) get a plain two-tick axis.
        a.lo = lo;
        a.hi = hi;
        a.step = hi - lo;
        a.n = 2;
        a.decimals = -1;
        return a;
    }
    a.n = (int)lround(n);
    // Labels in fixed point with just enough decimals for the step ("0.05",
    // "0.10"), unless the values are very large or very small.
    double big = fmax(fabs(a.lo), fabs(a.hi));
    if (big < 1e6 && a.step >= 1e-4) {
        int d = -(int)floor(log10(a.step) + 1e-9);
        a.decimals = d > 0 ? d : 0;
    } else {
        a.decimals = -1;
    }
    return a;
}

static double axis_tick(const Axis *a, int i) {
    double v = a->lo + i * a->step;
    return fabs(v) < a->step * 1e-9 ? 0.0 : v;  // avoid labels like "-0" or "5.55e-17"
}

static void format_tick(char *out, size_t cap, const Axis *a, double v) {
    if (a->decimals >= 0)
        snprintf(out, cap, "%.*f", a->decimals, v);
    else
        snprintf(out, cap, "%.3g", v);
}

static double axis_label_width(const Axis *a, double size) {
    double w = 0;
    char buf[64];
    for (int i = 0; i < a->n; i++) {
        format_tick(buf, sizeof buf, a, axis_tick(a, i));
        w = fmax(w, text_width(buf, size));
    }
    return w;
}

// ---- shared chart parts -----------------------------------------------------------

// The plot area of a chart with axes, in pixels.
typedef struct {
    double left, top, width, height;
} Frame;

static double map_x(const Frame *f, const Axis *a, double x) { return f->left + (x - a->lo) / (a->hi - a->lo) * f->width; }

static double map_y(const Frame *f, const Axis *a, double y) {
    return f->top + f->height - (y - a->lo) / (a->hi - a->lo) * f->height;
}

// Horizontal grid lines with y tick labels, and the y axis title.
static void draw_y_axis(StrBuf *b, const Frame *f, const Axis *a, const char *label) {
    char buf[64];
    for (int i = 0; i < a->n; i++) {
        double v = axis_tick(a, i), y = map_y(f, a, v);
        strbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", f->left, y,
                  f->left + f->width, y, GRID);
        format_tick(buf, sizeof buf, a, v);
        sb_text(b, f->left - 8, y + 4, 12, "end", "", buf);
    }
    strbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", f->left, f->top, f->left,
              f->top + f->height, INK);
    if (label) {
        char rot[64];
        double x = 22, y = f->top + f->height / 2;
        snprintf(rot, sizeof rot, " transform=\"rotate(-90 %.1f %.1f)\"", x, y);
        sb_text(b, x, y, 14, "middle", rot, label);
    }
}

// A legend to the right of the frame: a colour swatch and a name per entry.
static void draw_legend(StrBuf *b, const Frame *f, const char *const *names, int n, int as_lines) {
    double x = f->left + f->width + 20, y = f->top + 8;
    for (int i = 0; i < n; i++, y += 22) {
        const char *colour = PALETTE[i % N_PALETTE];
        if (as_lines)
            strbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>\n",
                      x, y, x + 22, y, colour);
        else
            strbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", x + 4, y - 7,
                      colour);
        sb_text(b, x + 30, y + 4, 12, "start", "", names[i] ? names[i] : "");
    }
}

static double legend_width(const char *const *names, int n) {
    double w = 0;
    for (int i = 0; i < n; i++) w = fmax(w, text_width(names[i], 12));
    return fmin(w, 260) + 56;
}

// ---- line plot ----------------------------------------------------------------

static double series_x(const SvgSeries *s, int i) { return s->x ? s->x[i] : (double)i; }

static int point_ok(const SvgSeries *s, int i) { return isfinite(series_x(s, i)) && isfinite(s->y[i]); }

static int band_ok(const SvgSeries *s, int i) {
    return s->y_lo && s->y_hi && isfinite(series_x(s, i)) && isfinite(s->y_lo[i]) && isfinite(s->y_hi[i]);
}

// The shaded band: one polygon per run of valid points, along y_hi forwards
// and back along y_lo.
static void draw_band(StrBuf *b, const Frame *f, const Axis *ax, const Axis *ay, const SvgSeries *s, const char *colour) {
    int i = 0;
    while (i < s->n) {
        if (!band_ok(s, i)) {
            i++;
            continue;
        }
        int j = i;
        while (j < s->n && band_ok(s, j)) j++;
        strbuf_printf(b, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"", colour);
        for (int k = i; k < j; k++)
            strbuf_printf(b, "%.2f,%.2f ", map_x(f, ax, series_x(s, k)), map_y(f, ay, s->y_hi[k]));
        for (int k = j - 1; k >= i; k--)
            strbuf_printf(b, "%.2f,%.2f ", map_x(f, ax, series_x(s, k)), map_y(f, ay, s->y_lo[k]));
        strbuf_str(b, "\"/>\n");
        i = j;
    }
}

// The line: one path, with a new "M" (move) after every gap; an isolated
// point gets a dot, since a path of one point is invisible.
static void draw_line(StrBuf *b, const Frame *f, const Axis *ax, const Axis *ay, const SvgSeries *s, const char *colour) {
    strbuf_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" d=\"", colour);
    for (int i = 0; i < s->n; i++) {
        if (!point_ok(s, i)) continue;
        int starts = i == 0 || !point_ok(s, i - 1);
        strbuf_printf(b, "%c%.2f %.2f ", starts ? 'M' : 'L', map_x(f, ax, series_x(s, i)), map_y(f, ay, s->y[i]));
    }
    strbuf_str(b, "\"/>\n");
    for (int i = 0; i < s->n; i++) {
        int alone = point_ok(s, i) && (i == 0 || !point_ok(s, i - 1)) && (i == s->n - 1 || !point_ok(s, i + 1));
        if (alone)
            strbuf_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", map_x(f, ax, series_x(s, i)),
                      map_y(f, ay, s->y[i]), colour);
    }
}

int svg_lineplot(const char *path, const char *title, const char *xlabel, const char *ylabel,
                 const SvgSeries *series, int n_series, char *err, size_t errlen) {
    if (!path || n_series < 0 || (n_series > 0 && !series)) {
        io_errorf(err, errlen, "%s: svg_lineplot: invalid arguments (%d series)", path ? path : "(null)", n_series);
        return -1;
    }
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < n_series; s++) {
        const SvgSeries *se = &series[s];
        if (se->n < 0 || (se->n > 0 && !se->y) || (!se->y_lo != !se->y_hi)) {
            io_errorf(err, errlen, "%s: series %d (%s) has n = %d, no y values, or only one of y_lo/y_hi", path, s,
                    se->name ? se->name : "unnamed", se->n);
            return -1;
        }
        for (int i = 0; i < se->n; i++) {
            if (point_ok(se, i)) {
                xlo = fmin(xlo, series_x(se, i));
                xhi = fmax(xhi, series_x(se, i));
                ylo = fmin(ylo, se->y[i]);
                yhi = fmax(yhi, se->y[i]);
            }
            if (band_ok(se, i)) {
                xlo = fmin(xlo, series_x(se, i));
                xhi = fmax(xhi, series_x(se, i));
                ylo = fmin(ylo, fmin(se->y_lo[i], se->y_hi[i]));
                yhi = fmax(yhi, fmax(se->y_lo[i], se->y_hi[i]));
            }
        }
    }
    if (xlo > xhi) {  // nothing finite to draw: empty axes
        xlo = 0;
        xhi = 1;
    }
    if (ylo > yhi) {
        ylo = 0;
        yhi = 1;
    }
    Axis ax = nice_axis(xlo, xhi, 7), ay = nice_axis(ylo, yhi, 6);

    int has_names = 0;
    const char **names = calloc((size_t)n_series + 1, sizeof *names);
    if (!names) {
        io_errorf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int s = 0; s < n_series; s++) {
        names[s] = series[s].name;
        has_names |= names[s] != NULL;
    }
    int legend = has_names && n_series > 0;

    // The plot area has a fixed size; a legend widens the picture instead of
    // squeezing the data.
    const double H = 500;
    Frame f;
    f.top = title ? 52 : 20;
    f.left = 16 + (ylabel ? 22 : 0) + axis_label_width(&ay, 12) + 10;
    f.width = 640;
    f.height = H - f.top - 40 - (xlabel ? 22 : 0);
    double w = f.left + f.width + 28 + (legend ? legend_width(names, n_series) : 0);
    w = fmax(w, text_width(title, 18) + 40);

    StrBuf b = {NULL, 0, 0, 0};
    svg_begin(&b, w, H);
    svg_title(&b, w, title);
    draw_y_axis(&b, &f, &ay, ylabel);
    char buf[64];
    for (int i = 0; i < ax.n; i++) {
        double v = axis_tick(&ax, i), x = map_x(&f, &ax, v);
        strbuf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x, f.top, x,
                  f.top + f.height, GRID);
        format_tick(buf, sizeof buf, &ax, v);
        sb_text(&b, x, f.top + f.height + 18, 12, "middle", "", buf);
    }
    strbuf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", f.left,
              f.top + f.height, f.left + f.width, f.top + f.height, INK);
    if (xlabel) sb_text(&b, f.left + f.width / 2, f.top + f.height + 44, 14, "middle", "", xlabel);

    // Bands first, so that no band covers another series' line.
    for (int s = 0; s < n_series; s++)
        if (series[s].y_lo) draw_band(&b, &f, &ax, &ay, &series[s], PALETTE[s % N_PALETTE]);
    for (int s = 0; s < n_series; s++) draw_line(&b, &f, &ax, &ay, &series[s], PALETTE[s % N_PALETTE]);
    if (legend) draw_legend(&b, &f, names, n_series, 1);
    free(names);
    return svg_finish(&b, path, err, errlen);
}

// ---- heatmaps -------------------------------------------------------------------

typedef struct {
    double r, g, b;
} Rgb;

// Colour maps as evenly spaced stops, interpolated linearly in between.
// viridis: dark blue to yellow, perceptually uniform and readable in grey.
static const Rgb VIRIDIS[] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
                              {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
// RdBu reversed: blue for negative, white at zero, red for positive.
static const Rgb BLUE_RED[] = {{33, 102, 172},  {67, 147, 195},  {146, 197, 222}, {209, 229, 240}, {247, 247, 247},
                               {253, 219, 199}, {244, 165, 130}, {214, 96, 77},   {178, 24, 43}};
#define N_STOPS 9

static void colour_at(const Rgb *map, double t, char out[8]) {
    if (!(t >= 0)) t = 0;  // also catches NaN
    if (t > 1) t = 1;
    double pos = t * (N_STOPS - 1);
    int i = (int)pos;
    if (i >= N_STOPS - 1) i = N_STOPS - 2;
    double u = pos - i;
    const Rgb *a = &map[i], *c = &map[i + 1];
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)lround(a->r + (c->r - a->r) * u),
             (unsigned)lround(a->g + (c->g - a->g) * u), (unsigned)lround(a->b + (c->b - a->b) * u));
}

// Where value v falls on the colour scale of a panel, in [0, 1].
static double scale_pos(double v, double vmin, double vmax, int diverging) {
    if (diverging) {
        double a = fmax(fabs(vmin), fabs(vmax));
        return a > 0 ? 0.5 + v / (2 * a) : 0.5;
    }
    return vmax > vmin ? (v - vmin) / (vmax - vmin) : 0.5;
}

// Sizes of one panel, computed before drawing so that panels can be placed
// side by side.
typedef struct {
    double cell;          // side of one cell in pixels
    double font;          // label font size
    int row_every, col_every;  // draw every k-th label when cells are smaller than text
    int col_rotated;      // column labels drawn vertically
    double row_w, col_h;  // space taken by the labels
    double cbar_h, cbar_label_w;
    double title_h;  // space for the panel title
    double w, h;
    double vmin, vmax;
    char lo_text[32], hi_text[32];
} PanelLayout;

static double label_max_width(const char *const *labels, int n, int every, double font) {
    double w = 0;
    for (int i = 0; labels && i < n; i += every) w = fmax(w, text_width(labels[i], font));
    return w;
}

static void layout_panel(const SvgPanel *p, int n_panels, PanelLayout *L) {
    int big = p->rows > p->cols ? p->rows : p->cols;
    double target = n_panels == 1 ? 520 : 320;
    L->cell = fmin(36, target / big);
    if (L->cell >= 3) L->cell = floor(L->cell);  // whole pixels keep cell edges crisp
    L->font = fmin(12, fmax(7, L->cell * 0.8));
    L->row_every = (int)ceil((L->font + 1) / L->cell);
    L->row_w = p->row_labels ? label_max_width(p->row_labels, p->rows, L->row_every, L->font) + 6 : 0;
    double col_w = label_max_width(p->col_labels, p->cols, 1, L->font);
    L->col_rotated = col_w > L->cell * 0.95;
    L->col_every = L->col_rotated ? L->row_every : 1;
    if (L->col_rotated) col_w = label_max_width(p->col_labels, p->cols, L->col_every, L->font);
    L->col_h = !p->col_labels ? 0 : L->col_rotated ? col_w + 6 : L->font + 4;

    L->vmin = INFINITY;
    L->vmax = -INFINITY;
    for (size_t i = 0; i < (size_t)p->rows * (size_t)p->cols; i++) {
        if (!isfinite(p->m[i])) continue;
        L->vmin = fmin(L->vmin, p->m[i]);
        L->vmax = fmax(L->vmax, p->m[i]);
    }
    if (L->vmin > L->vmax) L->vmin = L->vmax = 0;  // nothing finite
    if (p->diverging) {
        double a = fmax(fabs(L->vmin), fabs(L->vmax));
        snprintf(L->lo_text, sizeof L->lo_text, "%.3g", -a);
        snprintf(L->hi_text, sizeof L->hi_text, "%.3g", a);
    } else {
        snprintf(L->lo_text, sizeof L->lo_text, "%.3g", L->vmin);
        snprintf(L->hi_text, sizeof L->hi_text, "%.3g", L->vmax);
    }
    L->cbar_label_w = fmax(text_width(L->lo_text, 11), text_width(L->hi_text, 11));
    double mh = L->cell * p->rows, mw = L->cell * p->cols;
    L->cbar_h = fmax(mh, 120);
    L->w = L->row_w + mw + 12 + 14 + 6 + L->cbar_label_w + 8;
    L->w = fmax(L->w, text_width(p->title, 14) + 8);
    L->title_h = p->title ? 26 : 4;
    L->h = L->title_h + L->col_h + L->cbar_h + 10;
}

// Heatmap labels are often single characters (tokens); a lone space would
// be invisible, so it is shown as the open-box symbol.
static const char *token_label(const char *s) { return strcmp(s, " ") == 0 ? "\xe2\x90\xa3" : s; }

static void draw_panel(StrBuf *b, const SvgPanel *p, const PanelLayout *L, double ox, double oy, int id) {
    const Rgb *map = p->diverging ? BLUE_RED : VIRIDIS;
    double mx = ox + L->row_w, my = oy + L->title_h + L->col_h;
    double mw = L->cell * p->cols, mh = L->cell * p->rows;
    char colour[8];
    if (p->title) sb_text(b, mx + mw / 2, oy + 16, 14, "middle", " font-weight=\"bold\"", p->title);

    // Hover text (the exact value) for matrices small enough to read cell
    // by cell; larger ones would only grow the file.
    int tooltips = (size_t)p->rows * (size_t)p->cols <= 4096;
    // Non-finite cells (e.g. the masked half of a causal map) show the grey
    // background drawn once under the matrix, not a rectangle each.
    strbuf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n", mx, my, mw, mh,
                  MISSING);
    strbuf_str(b, "<g shape-rendering=\"crispEdges\">\n");
    for (int r = 0; r < p->rows; r++) {
        for (int c = 0; c < p->cols; c++) {
            double v = p->m[(size_t)r * (size_t)p->cols + (size_t)c];
            if (!isfinite(v)) continue;
            colour_at(map, scale_pos(v, L->vmin, L->vmax, p->diverging), colour);
            strbuf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"", mx + c * L->cell,
                      my + r * L->cell, L->cell, L->cell, colour);
            if (tooltips)
                strbuf_printf(b, "><title>[%d, %d] = %.4g</title></rect>\n", r, c, v);
            else
                strbuf_str(b, "/>\n");
        }
    }
    strbuf_str(b, "</g>\n");
    strbuf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"%s\"/>\n", mx, my,
              mw, mh, INK);

    for (int r = 0; p->row_labels && r < p->rows; r += L->row_every)
        if (p->row_labels[r])
            sb_text(b, mx - 4, my + (r + 0.5) * L->cell + L->font * 0.35, L->font, "end", "",
                    token_label(p->row_labels[r]));
    for (int c = 0; p->col_labels && c < p->cols; c += L->col_every) {
        if (!p->col_labels[c]) continue;
        double x = mx + (c + 0.5) * L->cell;
        if (L->col_rotated) {
            char rot[64];
            double tx = x + L->font * 0.35, ty = my - 4;
            snprintf(rot, sizeof rot, " transform=\"rotate(-90 %.1f %.1f)\"", tx, ty);
            sb_text(b, tx, ty, L->font, "start", rot, token_label(p->col_labels[c]));
        } else {
            sb_text(b, x, my - 4, L->font, "middle", "", token_label(p->col_labels[c]));
        }
    }

    // The colour bar: a vertical gradient through the same stops, low at the
    // bottom. Gradient ids are numbered per panel to stay unique in the file.
    const Rgb *stops = map;
    double cx = mx + mw + 12;
    strbuf_printf(b, "<defs><linearGradient id=\"cbar%d\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", id);
    for (int i = 0; i < N_STOPS; i++) {
        colour_at(stops, (double)i / (N_STOPS - 1), colour);
        strbuf_printf(b, "<stop offset=\"%.3f\" stop-color=\"%s\"/>", (double)i / (N_STOPS - 1), colour);
    }
    strbuf_str(b, "</linearGradient></defs>\n");
    strbuf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"14\" height=\"%.2f\" fill=\"url(#cbar%d)\" stroke=\"%s\"/>\n", cx,
              my, L->cbar_h, id, INK);
    sb_text(b, cx + 20, my + 9, 11, "start", "", L->hi_text);
    sb_text(b, cx + 20, my + L->cbar_h, 11, "start", "", L->lo_text);
    if (p->diverging) sb_text(b, cx + 20, my + L->cbar_h / 2 + 4, 11, "start", "", "0");
}

int svg_heatmaps(const char *path, const char *title, const SvgPanel *panels, int n_panels, char *err,
                 size_t errlen) {
    if (!path || n_panels < 1 || !panels) {
        io_errorf(err, errlen, "%s: svg_heatmaps: needs at least one panel, got %d", path ? path : "(null)", n_panels);
        return -1;
    }
    for (int i = 0; i < n_panels; i++) {
        if (panels[i].rows < 1 || panels[i].cols < 1 || !panels[i].m) {
            io_errorf(err, errlen, "%s: heatmap panel %d is %d x %d%s, expected a non-empty matrix", path, i,
                    panels[i].rows, panels[i].cols, panels[i].m ? "" : " with no data");
            return -1;
        }
    }
    PanelLayout *L = calloc((size_t)n_panels, sizeof *L);
    if (!L) {
        io_errorf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    const double margin = 24, gap = 36, top = title ? 48 : 12;
    double w = 2 * margin - gap, h = 0;
    for (int i = 0; i < n_panels; i++) {
        layout_panel(&panels[i], n_panels, &L[i]);
        w += L[i].w + gap;
        h = fmax(h, L[i].h);
    }
    w = fmax(w, text_width(title, 18) + 2 * margin);
    h += top + margin;

    StrBuf b = {NULL, 0, 0, 0};
    svg_begin(&b, w, h);
    svg_title(&b, w, title);
    double x = margin;
    for (int i = 0; i < n_panels; i++) {
        draw_panel(&b, &panels[i], &L[i], x, top, i);
        x += L[i].w + gap;
    }
    free(L);
    return svg_finish(&b, path, err, errlen);
}

int svg_heatmap(const char *path, const char *title, const double *m, int rows, int cols,
                const char *const *row_labels, const char *const *col_labels, int diverging, char *err,
                size_t errlen) {
    SvgPanel p = {NULL, m, rows, cols, diverging, row_labels, col_labels};
    return svg_heatmaps(path, title, &p, 1, err, errlen);
}

// ---- bar chart -----------------------------------------------------------------

int svg_bars(const char *path, const char *title, const char *ylabel, const char *const *group_labels,
             int n_groups, const char *const *series_names, const double *values, int n_series, char *err,
             size_t errlen) {
    if (!path || n_groups < 1 || n_series < 1 || !values) {
        io_errorf(err, errlen, "%s: svg_bars: needs at least one group and one series, got %d groups and %d series",
                path ? path : "(null)", n_groups, n_series);
        return -1;
    }
    // The value axis always includes 0: a bar's length is its value.
    double lo = 0, hi = 0;
    size_t n_values = (size_t)n_groups * (size_t)n_series;
    for (size_t i = 0; i < n_values; i++) {
        if (!isfinite(values[i])) continue;
        lo = fmin(lo, values[i]);
        hi = fmax(hi, values[i]);
    }
    Axis ay = nice_axis(lo, hi, 6);

    double bar = n_series == 1 ? 40 : fmax(8, fmin(28, 120.0 / n_series));
    double group_w = bar * n_series + 24;
    double label_w = label_max_width(group_labels, n_groups, 1, 12);
    int rotate = label_w > group_w - 4;
    int legend = series_names != NULL;

    Frame f;
    f.top = title ? 52 : 20;
    f.left = 16 + (ylabel ? 22 : 0) + axis_label_width(&ay, 12) + 10;
    f.width = fmax(400, group_w * n_groups);
    f.height = 340;
    double bottom = rotate ? label_w * 0.6 + 28 : 32;  // sin(35 deg) of the label length
    double w = f.left + f.width + 28 + (legend ? legend_width(series_names, n_series) : 0);
    double h = f.top + f.height + bottom;
    w = fmax(w, text_width(title, 18) + 40);
    double slot = f.width / n_groups;  // groups are spread over the whole width

    StrBuf b = {NULL, 0, 0, 0};
    svg_begin(&b, w, h);
    svg_title(&b, w, title);
    draw_y_axis(&b, &f, &ay, ylabel);

    int show_values = bar >= 14 && n_values <= 40;
    double y0 = map_y(&f, &ay, 0);
    for (int g = 0; g < n_groups; g++) {
        double gx = f.left + g * slot + (slot - bar * n_series) / 2;
        for (int s = 0; s < n_series; s++) {
            double v = values[(size_t)s * (size_t)n_groups + (size_t)g];
            if (!isfinite(v)) continue;
            double y = map_y(&f, &ay, v), x = gx + s * bar;
            strbuf_printf(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">", x + 1,
                      fmin(y, y0), bar - 2, fabs(y0 - y), PALETTE[s % N_PALETTE]);
            strbuf_printf(&b, "<title>%.6g</title></rect>\n", v);
            if (show_values) {
                char buf[32];
                snprintf(buf, sizeof buf, "%.3g", v);
                sb_text(&b, x + bar / 2, v >= 0 ? y - 4 : y + 12, 10, "middle", "", buf);
            }
        }
        char idx[16];
        const char *label = group_labels ? group_labels[g] : NULL;
        if (!label) {
            snprintf(idx, sizeof idx, "%d", g);
            label = idx;
        }
        double lx = f.left + (g + 0.5) * slot, ly = f.top + f.height + 18;
        if (rotate) {
            char rot[64];
            snprintf(rot, sizeof rot, " transform=\"rotate(-35 %.1f %.1f)\"", lx, ly);
            sb_text(&b, lx, ly, 12, "end", rot, label);
        } else {
            sb_text(&b, lx, ly, 12, "middle", "", label);
        }
    }
    // The zero line on top of the bars, where they start.
    strbuf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", f.left, y0,
              f.left + f.width, y0, INK);
    if (legend) draw_legend(&b, &f, series_names, n_series, 0);
    return svg_finish(&b, path, err, errlen);
}
