// norm.h — RMSNorm and LayerNorm over the last dimension of [N,C] rows.
#ifndef DIFFTX_NORM_H
#define DIFFTX_NORM_H

#include "difftx.h"

// out: [N,C] = inp / sqrt(mean(inp^2) + eps) * w; w: [C]; rstd: [N] saved for backward
void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *w, int N, int C, real eps);
// dinp: [N,C] (+=), dw: [C] (+=, may be NULL for a norm without weight); dout: [N,C]
void rmsnorm_backward(real *dinp, real *dw, const real *dout, const real *inp, const real *w,
                      const real *rstd, int N, int C);

// out: [N,C] = (inp - mean) / sqrt(var + eps) * w + b (biased variance);
// mean, rstd: [N] saved for backward
void layernorm_forward(real *out, real *mean, real *rstd, const real *inp, const real *w, const real *b,
                       int N, int C, real eps);
// dinp: [N,C], dw: [C], db: [C], all (+=)
void layernorm_backward(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                        const real *mean, const real *rstd, int N, int C);

#endif
