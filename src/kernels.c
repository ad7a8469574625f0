// kernels.c — the two tables of kernels.h. The attention entries adapt an
// AttnCall to each function's own parameters; everything else is the
// function itself.
#include "kernels.h"

#include "layers/attention.h"
#include "layers/diffattn.h"
#include "layers/fast/attention_fast.h"
#include "layers/fast/diffattn_fast.h"
#include "layers/fast/ffn_fast.h"
#include "layers/fast/linear_fast.h"
#include "layers/ffn.h"
#include "layers/linear.h"

const char *const kernel_names[2] = {"fast", "ref"};

static AttnShape shape(const AttnCall *a) { return (AttnShape){a->B, a->T, a->H, a->d}; }
static DiffSaved saved(const AttnCall *a) { return (DiffSaved){a->att, a->att2, a->o, a->rstd}; }
static DiffWeights weights(const AttnCall *a) {
    return (DiffWeights){a->lambda, a->subln_w, a->lambda_init, a->eps};
}
static DiffGrads grads(const AttnCall *a) { return (DiffGrads){a->dlambda, a->dsubln_w}; }
static DiffScratch scratch(const AttnCall *a) { return (DiffScratch){a->sc_out, a->sc_o, a->datt, a->kvt}; }

static void std_forward(const AttnCall *a) { attention_forward(a->out, a->att, a->q, a->k, a->v, shape(a)); }
static void std_backward(const AttnCall *a) {
    attention_backward(a->dq, a->dk, a->dv, a->datt, a->dout, a->q, a->k, a->v, a->att, shape(a));
}
static void std_forward_fast(const AttnCall *a) {
    attention_forward_fast(a->out, a->att, a->kvt, a->q, a->k, a->v, shape(a));
}
static void std_backward_fast(const AttnCall *a) {
    attention_backward_fast(a->dq, a->dk, a->dv, a->datt, a->kvt, a->dout, a->q, a->k, a->v, a->att, shape(a));
}
static void diff_forward(const AttnCall *a) {
    diffattn_forward(a->out, saved(a), a->q, a->k, a->v, weights(a), shape(a));
}
static void diff_backward(const AttnCall *a) {
    diffattn_backward(a->dq, a->dk, a->dv, grads(a), scratch(a), a->dout, a->q, a->k, a->v, saved(a), weights(a),
                      shape(a));
}
static void diff_forward_fast(const AttnCall *a) {
    diffattn_forward_fast(a->out, saved(a), a->kvt, a->q, a->k, a->v, weights(a), shape(a));
}
static void diff_backward_fast(const AttnCall *a) {
    diffattn_backward_fast(a->dq, a->dk, a->dv, grads(a), scratch(a), a->dout, a->q, a->k, a->v, saved(a),
                           weights(a), shape(a));
}

Kernels kernels_select(KernelKind kind, int differential) {
    if (kind == KERNELS_REF)
        return (Kernels){.kind = kind,
                         .linear_forward = linear_forward,
                         .linear_backward = linear_backward,
                         .attn_forward = differential ? diff_forward : std_forward,
                         .attn_backward = differential ? diff_backward : std_backward,
                         .swiglu_forward = swiglu_forward,
                         .swiglu_backward = swiglu_backward,
                         .relu_forward = relu_ffn_forward,
                         .relu_backward = relu_ffn_backward};
    return (Kernels){.kind = kind,
                     .linear_forward = linear_forward_fast,
                     .linear_backward = linear_backward_fast,
                     .attn_forward = differential ? diff_forward_fast : std_forward_fast,
                     .attn_backward = differential ? diff_backward_fast : std_backward_fast,
                     .swiglu_forward = swiglu_forward_fast,
                     .swiglu_backward = swiglu_backward_fast,
                     .relu_forward = relu_ffn_forward_fast,
                     .relu_backward = relu_ffn_backward_fast};
}
