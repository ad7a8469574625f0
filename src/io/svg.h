// svg.h — dependency-free charts written as SVG files.
//
// Line plots (loss curves, with optional mean +- spread bands), heatmaps
// (attention maps, weight matrices; one or several side by side) and grouped
// bar charts. Axes get "nice" tick values (1, 2 or 5 times a power of ten),
// series take colours from a fixed palette, and every file is written
// atomically. Labels are plain UTF-8 text; XML special characters are
// escaped and control characters shown as \n, \t, \xNN.
//
// Every function returns 0 on success and -1 with a message in err.
#ifndef DIFFTX_IO_SVG_H
#define DIFFTX_IO_SVG_H

#include <stddef.h>

typedef struct {
    const char *name;    // legend entry (optional, NULL)
    const double *x;     // n values; NULL means 0, 1, 2, ...
    const double *y;     // n values
    int n;
    const double *y_lo;  // optional band drawn from y_lo to y_hi (both or neither)
    const double *y_hi;
} SvgSeries;

// Points where x or y is not finite are skipped and break the line there.
int svg_lineplot(const char *path, const char *title, const char *xlabel, const char *ylabel,
                 const SvgSeries *series, int n_series, char *err, size_t errlen);

// m is rows x cols, row-major. Labels are optional (NULL). diverging = 1 uses
// a blue-white-red map centred at 0 (for signed values such as weights or
// A1 - lambda A2); diverging = 0 a sequential map (for probabilities).
// Non-finite cells are drawn grey.
int svg_heatmap(const char *path, const char *title, const double *m, int rows, int cols,
                const char *const *row_labels, const char *const *col_labels, int diverging, char *err,
                size_t errlen);

// One heatmap among several drawn side by side, each with its own colour bar.
typedef struct {
    const char *title;
    const double *m;  // rows x cols, row-major
    int rows, cols;
    int diverging;
    const char *const *row_labels;  // optional
    const char *const *col_labels;  // optional
} SvgPanel;

int svg_heatmaps(const char *path, const char *title, const SvgPanel *panels, int n_panels, char *err,
                 size_t errlen);

// Grouped bar chart: values[s * n_groups + g] is the bar of series s in group
// g. group_labels and series_names are optional (NULL); non-finite values
// leave a gap.
int svg_bars(const char *path, const char *title, const char *ylabel, const char *const *group_labels,
             int n_groups, const char *const *series_names, const double *values, int n_series, char *err,
             size_t errlen);

#endif
