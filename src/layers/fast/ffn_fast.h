// ffn_fast.h — the feed-forward networks of ffn.h on the tiled products of
// linear_fast.h: the same shapes and results to rounding.
#ifndef DIFFTX_FFN_FAST_H
#define DIFFTX_FFN_FAST_H

#include "difftx.h"
#include "layers/ffn.h"

// As swiglu_forward / swiglu_backward (ffn.h).
void swiglu_forward_fast(real *out, SwigluSaved sv, const real *x, SwigluWeights w, int N, int C, int F);
void swiglu_backward_fast(real *dx, SwigluGrads dw, real *scratch1, real *scratch2, const real *dout, const real *x,
                          SwigluSaved sv, SwigluWeights w, int N, int C, int F);
// As relu_ffn_forward / relu_ffn_backward (ffn.h).
void relu_ffn_forward_fast(real *out, ReluSaved sv, const real *x, ReluWeights w, int N, int C, int F);
void relu_ffn_backward_fast(real *dx, ReluGrads dw, real *scratch, const real *dout, const real *x, ReluSaved sv,
                            ReluWeights w, int N, int C, int F);

#endif
