// ffn.h — the position-wise feed-forward networks: SwiGLU and ReLU.
#ifndef DIFFTX_FFN_H
#define DIFFTX_FFN_H

#include "difftx.h"

// SwiGLU: g = x w_gate^T, u = x w_up^T, h = silu(g) * u, out = h w_down^T.
// x: [N,C]; w_gate, w_up: [F,C]; w_down: [C,F]; g, u, h: [N,F] saved; out: [N,C]
void swiglu_forward(real *out, real *g, real *u, real *h, const real *x, const real *w_gate,
                    const real *w_up, const real *w_down, int N, int C, int F);
// Accumulates (+=) dx: [N,C], dw_gate, dw_up: [F,C], dw_down: [C,F].
// scratch1, scratch2: [N,F] work space (overwritten). dout: [N,C].
void swiglu_backward(real *dx, real *dw_gate, real *dw_up, real *dw_down, real *scratch1, real *scratch2,
                     const real *dout, const real *x, const real *g, const real *u, const real *h,
                     const real *w_gate, const real *w_up, const real *w_down, int N, int C, int F);

// ReLU FFN: a = x w1^T + b1, h = max(a, 0), out = h w2^T + b2.
// x: [N,C]; w1: [F,C], b1: [F]; w2: [C,F], b2: [C]; a, h: [N,F] saved; out: [N,C]
void relu_ffn_forward(real *out, real *a, real *h, const real *x, const real *w1, const real *b1,
                      const real *w2, const real *b2, int N, int C, int F);
// Accumulates (+=) dx, dw1, db1, dw2, db2. scratch: [N,F] work space. dout: [N,C].
void relu_ffn_backward(real *dx, real *dw1, real *db1, real *dw2, real *db2, real *scratch, const real *dout,
                       const real *x, const real *a, const real *h, const real *w1, const real *w2, int N, int C,
                       int F);

#endif
