// attention_fast.h — the twin of attention.h with each head's keys (values
// in backward) transposed first: the same results to rounding.
#ifndef DIFFTX_ATTENTION_FAST_H
#define DIFFTX_ATTENTION_FAST_H

#include <stddef.h>

#include "difftx.h"
#include "layers/attention.h"

// Row length of a transposed head: T rounded up to the score chunk (zero padded).
int head_ld(int T);
// xt: [d, head_ld(T)] = the T rows of one head (d wide, `stride` apart), transposed.
void head_transpose(real *xt, const real *x, size_t stride, int T, int d);
// z[s] = scale * <q, x_s> for s <= t, from xt: [d, head_ld(T)] (x transposed).
void causal_row_dots_t(real *z, const real *q, const real *xt, int t, int T, int d, real scale);
// As attention_forward; kt: [B,H,d,head_ld(T)] scratch (overwritten).
void attention_forward_fast(real *out, real *att, real *kt, const real *q, const real *k, const real *v,
                            AttnShape sh);
// As attention_backward; vt: [B,H,d,head_ld(T)] scratch (overwritten).
void attention_backward_fast(real *dq, real *dk, real *dv, real *datt, real *vt, const real *dout, const real *q,
                             const real *k, const real *v, const real *att, AttnShape sh);

#endif
