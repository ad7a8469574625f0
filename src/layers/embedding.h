// embedding.h — token embedding: row lookup in a [V,C] table.
#ifndef DIFFTX_EMBEDDING_H
#define DIFFTX_EMBEDDING_H

#include "difftx.h"

// out: [N,C] = table[tokens[n]]; tokens: [N] ids in [0,V); table: [V,C]
void embedding_forward(real *out, const int *tokens, const real *table, int N, int C);
// dtable: [V,C] (+=) receives dout[n] at row tokens[n]; dout: [N,C]
void embedding_backward(real *dtable, const real *dout, const int *tokens, int N, int C);

#endif
