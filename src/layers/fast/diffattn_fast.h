// diffattn_fast.h — the twin of diffattn.h with transposed keys and values:
// the same results to rounding.
#ifndef DIFFTX_DIFFATTN_FAST_H
#define DIFFTX_DIFFATTN_FAST_H

#include "difftx.h"
#include "layers/diffattn.h"

// As diffattn_forward; kt: [B,H/2,2d,head_ld(T)] scratch (overwritten).
void diffattn_forward_fast(real *out, DiffSaved sv, real *kt, const real *q, const real *k, const real *v,
                           DiffWeights w, AttnShape sh);
// As diffattn_backward; reads sc.kvt: [B,H/2,2d,head_ld(T)] scratch (overwritten).
void diffattn_backward_fast(real *dq, real *dk, real *dv, DiffGrads dw, DiffScratch sc, const real *dout,
                            const real *q, const real *k, const real *v, DiffSaved sv, DiffWeights w, AttnShape sh);

#endif
