// attention.h — causal multi-head softmax attention (the part after the
// q, k, v projections and before the output projection).
#ifndef DIFFTX_ATTENTION_H
#define DIFFTX_ATTENTION_H

#include "difftx.h"

// One causal row: att[s] = softmax over s <= t of scale * <q, k_s>; att[s] = 0 for t < s < T.
// q: [d]; k_s = k + s * kstride; att: [T]
void causal_softmax_row_forward(real *att, const real *q, const real *k, size_t kstride, int t, int T, int d,
                                real scale);
// datt: [t+1] = dL/datt[s]. Accumulates dq: [d] and dk_s = dk + s * kstride.
void causal_softmax_row_backward(real *dq, real *dk, const real *datt, const real *att, const real *q,
                                 const real *k, size_t kstride, int t, int d, real scale);

// q, k, v: [B,T,C] with C = H*d, head h owning columns [h d, (h+1) d);
// att: [B,H,T,T] saved for backward; out: [B,T,C] = concat_h(A_h V_h)
void attention_forward(real *out, real *att, const real *q, const real *k, const real *v, int B, int T, int H,
                       int d);
// dq, dk, dv: [B,T,C] (+=); datt: [B,H,T,T] scratch; dout: [B,T,C]
void attention_backward(real *dq, real *dk, real *dv, real *datt, const real *dout, const real *q, const real *k,
                        const real *v, const real *att, int B, int T, int H, int d);

// ---- fast path (same results to rounding; see attention.c)
// In place over one causal row: att[0..t] = softmax(att[0..t]), att[t+1..T) = 0.
void causal_softmax_inplace(real *att, int t, int T);
// Row length of a transposed head: T rounded up to the score chunk (zero padded).
int head_ld(int T);
// xt: [d, head_ld(T)] = the T rows of one head (d wide, `stride` apart), transposed.
void head_transpose(real *xt, const real *x, size_t stride, int T, int d);
// z[s] = scale * <q, x_s> for s <= t, from xt: [d, head_ld(T)] (x transposed).
void causal_row_dots_t(real *z, const real *q, const real *xt, int t, int T, int d, real scale);
// As attention_forward; kt: [B,H,d,head_ld(T)] scratch (overwritten).
void attention_forward_fast(real *out, real *att, real *kt, const real *q, const real *k, const real *v, int B,
                            int T, int H, int d);
// As attention_backward; vt: [B,H,d,head_ld(T)] scratch (overwritten).
void attention_backward_fast(real *dq, real *dk, real *dv, real *datt, real *vt, const real *dout, const real *q,
                             const real *k, const real *v, const real *att, int B, int T, int H, int d);

#endif
