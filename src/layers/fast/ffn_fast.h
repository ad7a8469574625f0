// ffn_fast.h — the feed-forward networks of ffn.h on the tiled products of
// linear_fast.h: the same shapes and results to rounding.
#ifndef DIFFTX_FFN_FAST_H
#define DIFFTX_FFN_FAST_H

#include "difftx.h"

// As swiglu_forward / swiglu_backward (ffn.h).
void swiglu_forward_fast(real *out, real *g, real *u, real *h, const real *x, const real *w_gate, const real *w_up,
                         const real *w_down, int N, int C, int F);
void swiglu_backward_fast(real *dx, real *dw_gate, real *dw_up, real *dw_down, real *scratch1, real *scratch2,
                          const real *dout, const real *x, const real *g, const real *u, const real *h,
                          const real *w_gate, const real *w_up, const real *w_down, int N, int C, int F);
// As relu_ffn_forward / relu_ffn_backward (ffn.h).
void relu_ffn_forward_fast(real *out, real *a, real *h, const real *x, const real *w1, const real *b1,
                           const real *w2, const real *b2, int N, int C, int F);
void relu_ffn_backward_fast(real *dx, real *dw1, real *db1, real *dw2, real *db2, real *scratch, const real *dout,
                            const real *x, const real *a, const real *h, const real *w1, const real *w2, int N,
                            int C, int F);

#endif
