// kernels.h — which implementation of the heavy layers a model runs.
//
// Every layer has a teaching version, the plain-named function the lessons
// derive (src/layers/), and the heavy ones (linear, attention, differential
// attention, the feed-forward nets built on linear) also an optimised twin
// named `_fast` (src/layers/fast/). A Kernels table holds one of the two for
// each, chosen once when the model is built (model_use_kernels), so model.c
// calls `m->k.linear_forward(...)` and never asks which one it is.
//   fast: the optimised twins (the default: training, eval, sampling)
//   ref:  the teaching functions only, so a model trains on exactly the code
//         the lessons (and a learner's exercise copy) contain
#ifndef DIFFTX_KERNELS_H
#define DIFFTX_KERNELS_H

#include "difftx.h"
#include "layers/ffn.h"

typedef enum { KERNELS_FAST, KERNELS_REF } KernelKind;
extern const char *const kernel_names[2]; // "fast", "ref"

// One block's attention call: inputs, what forward saves for backward, the
// gradients backward accumulates, scratch. C = H*d; shapes as in attention.h
// and diffattn.h (differential attention has H/2 heads of width 2d).
typedef struct {
    int B, T, H, d;
    const real *q, *k, *v; // [B,T,C]
    real *out;             // [B,T,C]
    // saved by forward: att [B,H,T,T] (differential: A1 [B,H/2,T,T], and A2,
    // o [B,T,C] before the headwise norm, rstd [B*T*H/2])
    real *att, *att2, *o, *rstd;
    // differential only
    const real *lambda;  // [4,d]: lambda_q1, lambda_k1, lambda_q2, lambda_k2
    const real *subln_w; // [2d], or NULL: no headwise norm (the ablation)
    double lambda_init;
    real eps;
    // backward: dout [B,T,C] in; dq, dk, dv [B,T,C], dlambda [4,d], dsubln_w [2d] (+=)
    const real *dout;
    real *dq, *dk, *dv, *dlambda, *dsubln_w;
    // scratch: datt [B,H,T,T]; sc_out, sc_o [B,T,C]; kvt [B,H,d,head_ld(T)] (fast only)
    real *datt, *sc_out, *sc_o, *kvt;
} AttnCall;

typedef void LinearForwardFn(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC);
typedef void LinearBackwardFn(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                              int N, int C, int OC);
typedef void SwigluForwardFn(real *out, SwigluSaved sv, const real *x, SwigluWeights w, int N, int C, int F);
typedef void SwigluBackwardFn(real *dx, SwigluGrads dw, real *scratch1, real *scratch2, const real *dout,
                              const real *x, SwigluSaved sv, SwigluWeights w, int N, int C, int F);
typedef void ReluForwardFn(real *out, ReluSaved sv, const real *x, ReluWeights w, int N, int C, int F);
typedef void ReluBackwardFn(real *dx, ReluGrads dw, real *scratch, const real *dout, const real *x, ReluSaved sv,
                            ReluWeights w, int N, int C, int F);

typedef struct {
    KernelKind kind;
    LinearForwardFn *linear_forward;
    LinearBackwardFn *linear_backward;
    void (*attn_forward)(const AttnCall *a); // the model's attention kind
    void (*attn_backward)(const AttnCall *a);
    SwigluForwardFn *swiglu_forward;
    SwigluBackwardFn *swiglu_backward;
    ReluForwardFn *relu_forward;
    ReluBackwardFn *relu_backward;
} Kernels;

// The table of `kind` for standard (differential = 0) or differential attention.
Kernels kernels_select(KernelKind kind, int differential);

#endif
