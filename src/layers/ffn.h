// ffn.h — the position-wise feed-forward networks: SwiGLU and ReLU.
#ifndef DIFFTX_FFN_H
#define DIFFTX_FFN_H

#include "difftx.h"

// SwiGLU: g = x w_gate^T, u = x w_up^T, h = silu(g) * u, out = h w_down^T.
typedef struct {
    const real *w_gate, *w_up, *w_down; // [F,C], [F,C], [C,F]
} SwigluWeights;
typedef struct {
    real *w_gate, *w_up, *w_down; // their gradients (+=)
} SwigluGrads;
typedef struct {
    real *g, *u, *h; // [N,F] each, saved by forward
} SwigluSaved;
// x: [N,C]; out: [N,C]
void swiglu_forward(real *out, SwigluSaved sv, const real *x, SwigluWeights w, int N, int C, int F);
// Accumulates (+=) dx: [N,C] and dw. scratch1, scratch2: [N,F] work space
// (overwritten). dout: [N,C].
void swiglu_backward(real *dx, SwigluGrads dw, real *scratch1, real *scratch2, const real *dout, const real *x,
                     SwigluSaved sv, SwigluWeights w, int N, int C, int F);

// ReLU FFN: a = x w1^T + b1, h = max(a, 0), out = h w2^T + b2.
typedef struct {
    const real *w1, *b1, *w2, *b2; // [F,C], [F], [C,F], [C]
} ReluWeights;
typedef struct {
    real *w1, *b1, *w2, *b2; // their gradients (+=)
} ReluGrads;
typedef struct {
    real *a, *h; // [N,F] each, saved by forward
} ReluSaved;
// x: [N,C]; out: [N,C]
void relu_ffn_forward(real *out, ReluSaved sv, const real *x, ReluWeights w, int N, int C, int F);
// Accumulates (+=) dx: [N,C] and dw. scratch: [N,F] work space. dout: [N,C].
void relu_ffn_backward(real *dx, ReluGrads dw, real *scratch, const real *dout, const real *x, ReluSaved sv,
                       ReluWeights w, int N, int C, int F);

#endif
