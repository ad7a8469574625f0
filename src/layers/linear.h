// linear.h — the fully connected layer y = x W^T + b (the loops the lesson
// derives; fast/linear_fast.h has the tiled twin). W is stored [out_features, in_features] as in torch.nn.Linear.
#ifndef DIFFTX_LINEAR_H
#define DIFFTX_LINEAR_H

#include "difftx.h"

// out: [N,OC] = inp: [N,C] · w^T (w: [OC,C]) + b: [OC] (b may be NULL)
void linear_forward(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC);
// Accumulates (+=): dinp: [N,C] (may be NULL), dw: [OC,C], db: [OC] (may be NULL).
// dout: [N,OC]; inp and w as in the forward pass.
void linear_backward(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                     int N, int C, int OC);

#endif
