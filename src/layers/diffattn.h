// diffattn.h — differential attention: the difference of two softmax maps,
// weighted by a learnable lambda, normalised per head.
#ifndef DIFFTX_DIFFATTN_H
#define DIFFTX_DIFFATTN_H

#include "difftx.h"
#include "layers/attention.h"

// lambda_init(l) = 0.8 - 0.6 exp(-0.3 l), l = layer index from 0
double lambda_init_at(int layer);
// lambda = exp(<lq1,lk1>) - exp(<lq2,lk2>) + lambda_init; the four vectors: [d]
double diffattn_lambda(const real *lq1, const real *lk1, const real *lq2, const real *lk2, int d,
                       double lambda_init);

// The weights of one layer's differential attention.
typedef struct {
    const real *lambda;  // [4,d]: lambda_q1, lambda_k1, lambda_q2, lambda_k2, one row each
    const real *subln_w; // [2d] headwise RMSNorm weight, or NULL: no norm (an ablation)
    double lambda_init;  // lambda_init_at(layer)
    real eps;            // of the headwise RMSNorm
} DiffWeights;
// The four lambda vectors of a [4,d] block, in SPEC's order.
#define LAMBDA_VECTORS(p, d) (p), (p) + (d), (p) + 2 * (d), (p) + 3 * (d)

// What forward saves for backward: att1, att2: [B,H/2,T,T]; o: [B,T,C] =
// (A1 - lambda A2) V before the norm; rstd: [B*T*H/2].
typedef struct {
    real *att1, *att2, *o, *rstd;
} DiffSaved;
// Where backward accumulates (+=) the weights' gradients: dlambda [4,d], dsubln_w [2d].
typedef struct {
    real *dlambda, *dsubln_w;
} DiffGrads;
// Work space backward overwrites: out, o: [B,T,C]; att: [B,H/2,T,T];
// kvt: [B,H/2,2d,head_ld(T)], read only by the fast twin.
typedef struct {
    real *out, *o, *att, *kvt;
} DiffScratch;

// q, k, v: [B,T,C] with C = H*d; there are H/2 differential heads, head h
// owning q/k columns [2hd, (2h+1)d) as Q1/K1, [(2h+1)d, (2h+2)d) as Q2/K2 and
// v columns [2hd, (2h+2)d) as V.
// out: [B,T,C] = rmsnorm(o per 2d-wide head; subln_w) * (1 - lambda_init);
// without subln_w: out = o * (1 - lambda_init).
void diffattn_forward(real *out, DiffSaved sv, const real *q, const real *k, const real *v, DiffWeights w,
                      AttnShape sh);
// Accumulates (+=) dq, dk, dv: [B,T,C] and dw; dout: [B,T,C].
void diffattn_backward(real *dq, real *dk, real *dv, DiffGrads dw, DiffScratch sc, const real *dout, const real *q,
                       const real *k, const real *v, DiffSaved sv, DiffWeights w, AttnShape sh);

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
