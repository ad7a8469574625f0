// attention.h — causal multi-head softmax attention (the part after the
// q, k, v projections and before the output projection).
#ifndef DIFFTX_ATTENTION_H
#define DIFFTX_ATTENTION_H

#include "difftx.h"

// The shape of an attention call: batch, positions, heads, head width (C = H*d).
typedef struct {
    int B, T, H, d;
} AttnShape;

// In place over one causal row: att[0..t] = softmax(att[0..t]), att[t+1..T) = 0.
void causal_softmax_inplace(real *att, int t, int T);
// One causal row: att[s] = softmax over s <= t of scale * <q, k_s>; att[s] = 0 for t < s < T.
// q: [d]; k_s = k + s * kstride; att: [T]
void causal_softmax_row_forward(real *att, const real *q, const real *k, size_t kstride, int t, int T, int d,
                                real scale);
// datt: [t+1] = dL/datt[s]. Accumulates dq: [d] and dk_s = dk + s * kstride.
void causal_softmax_row_backward(real *dq, real *dk, const real *datt, const real *att, const real *q,
                                 const real *k, size_t kstride, int t, int d, real scale);

// q, k, v: [B,T,C] with C = H*d, head h owning columns [h d, (h+1) d);
// att: [B,H,T,T] saved for backward; out: [B,T,C] = concat_h(A_h V_h)
void attention_forward(real *out, real *att, const real *q, const real *k, const real *v, AttnShape sh);
// dq, dk, dv: [B,T,C] (+=); datt: [B,H,T,T] scratch; dout: [B,T,C]
void attention_backward(real *dq, real *dk, real *dv, real *datt, const real *dout, const real *q, const real *k,
                        const real *v, const real *att, AttnShape sh);

#endif
