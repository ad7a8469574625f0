// linear_fast.h — the tiled twin of linear.h: the same shapes and the same
// accumulate (+=) rules, the sums taken in cache tiles and SIMD registers.
#ifndef DIFFTX_LINEAR_FAST_H
#define DIFFTX_LINEAR_FAST_H

#include "difftx.h"

// As linear_forward: out: [N,OC] = inp: [N,C] · w^T (w: [OC,C]) + b: [OC] (b may be NULL)
void linear_forward_fast(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC);
// As linear_backward: accumulates dinp: [N,C] (may be NULL), dw: [OC,C], db: [OC] (may be NULL).
void linear_backward_fast(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                          int N, int C, int OC);

#endif
