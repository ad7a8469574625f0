// optim.c — AdamW, warmup + cosine schedule, global-norm clipping.
//
// AdamW (Loshchilov & Hutter), step t:
//   p <- p (1 - lr wd)                               decoupled weight decay
//   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
//   mhat = m / (1 - b1^t),    vhat = v / (1 - b2^t)  bias corrections
//   p <- p - lr mhat / (sqrt(vhat) + eps)
// Decay is "decoupled": it shrinks weights directly instead of adding wd p to
// the gradient, so Adam's per-coordinate scaling does not weaken it.
#include "optim.h"

#include <math.h>

void adamw_update(real *p, const real *g, real *m, real *v, size_t n, const AdamWConfig *cfg, long step,
                  int decay) {
    // EXERCISE BEGIN 09 adamw_update
    const double b1 = cfg->beta1, b2 = cfg->beta2;
    const double c1 = 1.0 - pow(b1, (double)step), c2 = 1.0 - pow(b2, (double)step);
    const real shrink = decay ? (real)(1.0 - cfg->lr * cfg->weight_decay) : 1;
    const real lr = (real)cfg->lr, eps = (real)cfg->eps;
    const real rc1 = (real)(1.0 / c1), rc2 = (real)(1.0 / c2);
    DIFFTX_OMP_FOR_IF(n >= 8192)
    for (size_t i = 0; i < n; i++) {
        m[i] = (real)b1 * m[i] + (real)(1.0 - b1) * g[i];
        v[i] = (real)b2 * v[i] + (real)(1.0 - b2) * g[i] * g[i];
        real mhat = m[i] * rc1, vhat = v[i] * rc2;
        p[i] = p[i] * shrink - lr * mhat / (real_sqrt(vhat) + eps);
    }
    // EXERCISE END
}

double lr_schedule(long it, long warmup, long max_iters, double lr, double min_lr) {
    // EXERCISE BEGIN 09 lr_schedule
    if (it < warmup) return lr * (double)(it + 1) / (double)(warmup + 1);
    if (it >= max_iters) return min_lr;
    double progress = (double)(it - warmup) / (double)(max_iters - warmup);
    return min_lr + 0.5 * (1.0 + cos(3.14159265358979323846 * progress)) * (lr - min_lr);
    // EXERCISE END
}

// The sum of squares in at most 256 fixed chunks, each summed in vector lanes
// and then added in order: the same result for any number of threads.
double grad_global_norm(const real *g, size_t n) {
    enum { MAX_CHUNKS = 256 };
    double part[MAX_CHUNKS];
    const size_t chunk = n / MAX_CHUNKS + 1;
    const int n_chunks = (int)((n + chunk - 1) / chunk);
    DIFFTX_OMP_FOR_IF(n >= 65536)
    for (int c = 0; c < n_chunks; c++) {
        const size_t lo = (size_t)c * chunk, hi = lo + chunk < n ? lo + chunk : n;
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (size_t i = lo; i < hi; i++) s += (double)g[i] * g[i];
        part[c] = s;
    }
    double s = 0;
    for (int c = 0; c < n_chunks; c++) s += part[c];
    return sqrt(s);
}

double clip_grad_norm(real *g, size_t n, double norm, double max_norm) {
    // EXERCISE BEGIN 09 clip_grad_norm
    if (!(norm > max_norm)) return 1.0;
    double scale = max_norm / (norm + 1e-6);
    DIFFTX_OMP_FOR_IF(n >= 65536)
    for (size_t i = 0; i < n; i++) g[i] = (real)(g[i] * scale);
    return scale;
    // EXERCISE END
}
