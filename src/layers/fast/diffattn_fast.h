// diffattn_fast.h — the twin of diffattn.h with transposed keys and values:
// the same results to rounding.
#ifndef DIFFTX_DIFFATTN_FAST_H
#define DIFFTX_DIFFATTN_FAST_H

#include "difftx.h"

// As diffattn_forward; kt: [B,H/2,2d,head_ld(T)] scratch (overwritten).
void diffattn_forward_fast(real *out, real *att1, real *att2, real *o, real *rstd, real *kt, const real *q,
                           const real *k, const real *v, const real *lq1, const real *lk1, const real *lq2,
                           const real *lk2, const real *subln_w, double lambda_init, int B, int T, int H, int d,
                           real eps);
// As diffattn_backward; vt: [B,H/2,2d,head_ld(T)] scratch (overwritten).
void diffattn_backward_fast(real *dq, real *dk, real *dv, real *dlq1, real *dlk1, real *dlq2, real *dlk2,
                            real *dsubln_w, real *sc_out, real *sc_o, real *sc_att, real *vt, const real *dout,
                            const real *q, const real *k, const real *v, const real *att1, const real *att2,
                            const real *o, const real *rstd, const real *lq1, const real *lk1, const real *lq2,
                            const real *lk2, const real *subln_w, double lambda_init, int B, int T, int H, int d);

#endif
