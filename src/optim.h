// optim.h — AdamW, the learning-rate schedule and gradient clipping.
#ifndef DIFFTX_OPTIM_H
#define DIFFTX_OPTIM_H

#include "difftx.h"

typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
} AdamWConfig;

// One AdamW step (decoupled weight decay, as torch.optim.AdamW) on n values.
// p, g, m, v: [n]; step counts from 1 (it sets the bias corrections);
// decay: whether this tensor is weight-decayed (matrices and embeddings).
void adamw_update(real *p, const real *g, real *m, real *v, size_t n, const AdamWConfig *cfg, long step,
                  int decay);

// Linear warmup to lr over `warmup` iterations (lr * (it+1) / (warmup+1)),
// then cosine decay from lr to min_lr at max_iters; it counts from 0.
double lr_schedule(long it, long warmup, long max_iters, double lr, double min_lr);

// Euclidean norm of all n gradient values (accumulated in double).
double grad_global_norm(const real *g, size_t n);
// If the norm exceeds max_norm, scale g so that it equals max_norm; returns the
// scale applied (1 when no clipping happened).
double clip_grad_norm(real *g, size_t n, double norm, double max_norm);

#endif
