// diffattn.h — differential attention: the difference of two softmax maps,
// weighted by a learnable lambda, normalised per head.
#ifndef DIFFTX_DIFFATTN_H
#define DIFFTX_DIFFATTN_H

#include "difftx.h"

// lambda_init(l) = 0.8 - 0.6 exp(-0.3 l), l = layer index from 0
double lambda_init_at(int layer);
// lambda = exp(<lq1,lk1>) - exp(<lq2,lk2>) + lambda_init; the four vectors: [d]
double diffattn_lambda(const real *lq1, const real *lk1, const real *lq2, const real *lk2, int d,
                       double lambda_init);

// q, k, v: [B,T,C] with C = H*d; there are H/2 differential heads, head h
// owning q/k columns [2hd, (2h+1)d) as Q1/K1, [(2h+1)d, (2h+2)d) as Q2/K2 and
// v columns [2hd, (2h+2)d) as V.
// Saved for backward: att1, att2: [B,H/2,T,T]; o: [B,T,C] = (A1 - lambda A2) V
// before the norm; rstd: [B*T*H/2].
// out: [B,T,C] = rmsnorm(o per 2d-wide head; subln_w: [2d]) * (1 - lambda_init);
// subln_w = NULL skips the norm (an ablation): out = o * (1 - lambda_init).
void diffattn_forward(real *out, real *att1, real *att2, real *o, real *rstd, const real *q, const real *k,
                      const real *v, const real *lq1, const real *lk1, const real *lq2, const real *lk2,
                      const real *subln_w, double lambda_init, int B, int T, int H, int d, real eps);
// Accumulates (+=) dq, dk, dv: [B,T,C]; dlq1, dlk1, dlq2, dlk2: [d]; dsubln_w: [2d].
// Scratch (overwritten): sc_out, sc_o: [B,T,C]; sc_att: [B,H/2,T,T].
void diffattn_backward(real *dq, real *dk, real *dv, real *dlq1, real *dlk1, real *dlq2, real *dlk2,
                       real *dsubln_w, real *sc_out, real *sc_o, real *sc_att, const real *dout, const real *q,
                       const real *k, const real *v, const real *att1, const real *att2, const real *o,
                       const real *rstd, const real *lq1, const real *lk1, const real *lq2, const real *lk2,
                       const real *subln_w, double lambda_init, int B, int T, int H, int d);

// The parts of the backward pass the fast twin shares. rows = B*T*H/2 heads
// of width W = 2d. out = rmsnorm(o per head; subln_w) * (1 - lambda_init)
// (subln_w NULL: o * (1 - lambda_init)); rstd: [rows].
void headwise_norm_forward(real *out, real *rstd, const real *o, const real *subln_w, double lambda_init, int rows,
                           int W, real eps);
// sc_o: [rows, W] = dL/do from dout, through the scale and the norm (dsubln_w +=); sc_out: scratch.
void headwise_norm_backward(real *sc_o, real *sc_out, real *dsubln_w, const real *dout, const real *o,
                            const real *subln_w, const real *rstd, double lambda_init, int rows, int W);
// dlambda into the four lambda vectors ([d] each, +=).
void lambda_vectors_backward(real *dlq1, real *dlk1, real *dlq2, real *dlk2, double dlambda, const real *lq1,
                             const real *lk1, const real *lq2, const real *lk2, int d);

#endif
