// embedding.c — x[n] = E[token_n].
// A lookup is a matrix product with a one-hot row, so its gradient sends
// dL/dx[n] back to the one row that was read: dE[token_n] += dL/dx[n].
// A token that appears twice collects both contributions.
#include "layers/embedding.h"

#include <string.h>

void embedding_forward(real *out, const int *tokens, const real *table, int N, int C) {
    for (int n = 0; n < N; n++)
        memcpy(out + (size_t)n * C, table + (size_t)tokens[n] * C, (size_t)C * sizeof(real));
}

void embedding_backward(real *dtable, const real *dout, const int *tokens, int N, int C) {
    // EXERCISE BEGIN 04 embedding_backward
    for (int n = 0; n < N; n++) {
        real *row = dtable + (size_t)tokens[n] * C;
        const real *g = dout + (size_t)n * C;
        for (int c = 0; c < C; c++) row[c] += g[c];
    }
    // EXERCISE END
}
