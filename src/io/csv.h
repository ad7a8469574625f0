// csv.h — numeric CSV tables (training logs) and one curve summarised over
// several runs of the same experiment (seeds).
//
// A table is a header of column names and rows of numbers. An empty cell
// means "no value at this row" (the training log writes val_loss only at the
// evaluation steps) and is read as NaN, as is a literal nan. Cells are not
// quoted: these files hold numbers only, so a quote is just a bad cell.
//
// Functions return 0 on success and -1 with a one-line message in err that
// names the file, the line, the column and the offending text.
#ifndef DIFFTX_IO_CSV_H
#define DIFFTX_IO_CSV_H

#include <stddef.h>

typedef struct {
    char *source;  // the file name, for messages
    int n_cols, n_rows;
    char **names;  // [n_cols] column names from the header
    double *v;     // [n_rows x n_cols] row-major; NaN where a cell is empty
} CsvTable;

int csv_read(const char *path, CsvTable *t, char *err, size_t errlen);

// The same from text in memory (len bytes, need not be NUL-terminated);
// `source` names it in messages.
int csv_parse(const char *source, const char *text, size_t len, CsvTable *t, char *err, size_t errlen);

// Index of the column called name, or -1.
int csv_column(const CsvTable *t, const char *name);

// "iter, train_loss, val_loss" into buf, for "no column X (columns: ...)".
void csv_describe_columns(const CsvTable *t, char *buf, size_t cap);

void csv_free(CsvTable *t);

// Column y against column x over n_tables runs, at the x values where every
// run has a finite y: the mean over runs and the band [lo, hi] = [min, max].
// Rows whose x or y is missing are skipped; when an x value repeats in one
// table the last row wins (a resumed run logs again the iterations after its
// last save, and those are the ones its checkpoint continued from).
typedef struct {
    int n;                       // points, x strictly increasing
    double *x, *mean, *lo, *hi;  // [n] each
} CsvBand;

int csv_band(const CsvTable *const *tables, int n_tables, const char *x, const char *y, CsvBand *out, char *err,
             size_t errlen);
void csv_band_free(CsvBand *b);

#endif
