// model.h — the Transformer / Differential Transformer of SPEC.md: its
// configuration, one contiguous buffer each for parameters, gradients and
// activations with named views into them, and the whole-model forward and
// backward passes.
#ifndef DIFFTX_MODEL_H
#define DIFFTX_MODEL_H

#include <stdint.h>

#include "difftx.h"
#include "kernels.h"

typedef enum { ATTN_STANDARD, ATTN_DIFFERENTIAL } AttnKind;
typedef enum { POS_SINUSOIDAL, POS_ROTARY } PosKind;
typedef enum { NORM_RMSNORM, NORM_LAYERNORM } NormKind;
typedef enum { FFN_SWIGLU, FFN_RELU } FfnKind;

extern const char *const attn_names[2], *const pos_names[2], *const norm_names[2], *const ffn_names[2];

typedef struct {
    AttnKind attn;
    PosKind pos;
    NormKind norm;
    FfnKind ffn;
    int vocab_size, block_size, n_layer, n_head, n_embd, ffn_hidden;
    double norm_eps, rope_base;
    // Ablation, not in SPEC: differential attention without its headwise
    // RMSNorm (out = (1 - lambda_init) o). Stored as metadata "no_subln".
    int no_subln;
} ModelConfig;

// SPEC defaults for the architecture keys; sizes are left 0.
ModelConfig model_config_default(void);
// SPEC's default hidden width: swiglu: smallest multiple of 32 >= 8C/3; relu: 4C.
int model_default_ffn_hidden(FfnKind ffn, int n_embd);
// Checks the rules of SPEC (positive sizes, C divisible by H, H even for
// differential, d even for rotary, C even for sinusoidal). 0 ok, or -1 with
// a message naming the key, the value and what is expected.
int model_config_check(const ModelConfig *c, char *err, size_t errlen);

// Views of one block's parameters (or gradients); NULL where the
// configuration has no such tensor.
typedef struct {
    real *norm1_w, *norm1_b, *norm2_w, *norm2_b;
    real *wq, *wk, *wv, *wo;                 // [C,C]
    real *lambda_q1, *lambda_k1, *lambda_q2, *lambda_k2; // [d]
    real *subln_w;                            // [2d]
    real *w_gate, *w_up, *w_down;             // swiglu: [F,C], [F,C], [C,F]
    real *w1, *b1, *w2, *b2;                  // relu: [F,C], [F], [C,F], [C]
} BlockParams;

typedef struct {
    real *tok_emb; // [V,C]
    BlockParams *blocks;
    real *norm_f_w, *norm_f_b; // [C]
    real *lm_head;             // [V,C]
} ModelParams;

// One named tensor of the parameter buffer, in SPEC's names and order.
typedef struct {
    char name[64];
    size_t offset, size; // in values, into the parameter (and gradient) buffer
    int ndim;
    int shape[2];
    int decay; // AdamW weight decay: matrices and embeddings yes, norms/biases/lambdas no
} ParamTensor;

// Activations of one block for a batch [B,T] (see model.c for who writes what).
typedef struct {
    real *x_in, *ln1, *ln1_mean, *ln1_rstd;
    real *q_pre, *k_pre, *q, *k, *v, *att, *att2, *o, *o_rstd, *y;
    real *x_mid, *ln2, *ln2_mean, *ln2_rstd;
    real *ffn_a, *ffn_b, *ffn_h; // swiglu: g, u, h; relu: a, h (ffn_b unused)
} BlockActs;

// The layer kinds a timer can tell apart. With Model.lap set, forward and
// backward call lap(lap_ctx, kind, backward) right after each operation, so
// the time since the previous call belongs to that kind.
typedef enum { PROF_EMBED, PROF_NORM, PROF_LINEAR, PROF_ROPE, PROF_ATTN, PROF_FFN, PROF_LOSS, PROF_N } ProfKind;
extern const char *const prof_names[PROF_N];
typedef void ModelLapFn(void *ctx, ProfKind kind, int backward);

typedef struct {
    ModelConfig cfg;
    int d, F; // head width C/H, feed-forward width
    size_t n_params;
    real *params, *grads; // [n_params] each
    ModelParams p, g;     // named views into params and grads
    ParamTensor *tensors;
    int n_tensors;
    // activations for up to B_max x T_max
    int B_max, T_max;
    size_t n_acts;
    real *acts;
    BlockActs *layer;
    real *x_out, *lnf, *lnf_mean, *lnf_rstd, *logits, *probs;
    int *inputs, *targets;
    // attention scratch, forward and backward: the keys (forward) or values
    // (backward) of every head, transposed: [B,H,d,head_ld(T)]
    real *kvt;
    // gradient scratch for backward
    real *d_x, *d_ln, *d_y, *d_q, *d_k, *d_v, *d_qr, *d_kr, *d_s1, *d_s2, *d_att, *d_f1, *d_f2, *d_logits;
    int B, T; // the shape of the last forward pass
    double loss;
    ModelLapFn *lap; // NULL, or the timer told when each operation ends
    void *lap_ctx;
    Kernels k; // the implementation of the heavy layers (model_use_kernels)
} Model;

// Allocates the parameter and gradient buffers (zeroed). 0 ok, -1 out of memory.
int model_create(Model *m, const ModelConfig *cfg, char *err, size_t errlen);
// Bytes model_create + model_alloc_acts(B, T) would allocate, plus AdamW's
// moments when training (for refusing a model too large before allocating).
// cfg must pass model_config_check.
double model_bytes_needed(const ModelConfig *cfg, int B, int T, int training);
// Refuses (-1, with the size in GiB in err) a model that needs more memory
// than the machine has, before anything is allocated. 0 if it fits (or the
// machine's memory is unknown).
int model_check_memory(const ModelConfig *c, int B, int T, int training, char *err, size_t errlen);

// Allocates activations for batches up to B x T (T <= block_size).
int model_alloc_acts(Model *m, int B, int T, char *err, size_t errlen);
void model_free(Model *m);
// Chooses the teaching (KERNELS_REF) or optimised (KERNELS_FAST, the default)
// implementation of the heavy layers; see kernels.h.
void model_use_kernels(Model *m, KernelKind k);
// SPEC's recommended initialisation, from a seed.
void model_init_weights(Model *m, uint64_t seed);

// inputs, targets: [B,T] token ids (targets may be NULL). Fills logits
// [B,T,V]; with targets, returns the mean cross-entropy (else 0).
double model_forward(Model *m, const int *inputs, const int *targets, int B, int T);
void model_zero_grad(Model *m);
// Accumulates dL/dparams of the last forward pass (which had targets) into grads.
void model_backward(Model *m);

#endif
