// norm.c — RMSNorm and LayerNorm.
//
// RMSNorm: r = (mean_i x_i^2 + eps)^(-1/2), xhat = x r, y = xhat * w.
// With g = dL/dy and gh = g * w (the gradient reaching xhat):
//   dL/dw_i = sum_rows g_i xhat_i
//   dL/dx_j = r (gh_j - xhat_j * mean_i(gh_i xhat_i))
// because dr/dx_j = -r^3 x_j / C: every x_j moves the shared scale r.
//
// LayerNorm: mu = mean(x), r = (var(x) + eps)^(-1/2), xhat = (x - mu) r,
// y = xhat * w + b. Centering adds one more shared term:
//   dL/dx_j = r (gh_j - mean_i(gh_i) - xhat_j * mean_i(gh_i xhat_i))
//   dL/dw_i = sum_rows g_i xhat_i,  dL/db_i = sum_rows g_i
// Statistics are accumulated in double: a mean of squares in float loses
// digits that the gradient check would then blame on the backward pass.
// `omp simd reduction` lets those sums run in several lanes at once (a
// different, equally accurate order of the double additions; the same on
// every run and thread count).
#include "layers/norm.h"

#include <math.h>

void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *w, int N, int C, real eps) {
    DIFFTX_OMP_FOR // rows are independent
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C;
        real *y = out + (size_t)n * C;
        double ss = 0;
#pragma omp simd reduction(+ : ss)
        for (int i = 0; i < C; i++) ss += (double)x[i] * x[i];
        real r = (real)(1.0 / sqrt(ss / C + eps));
        for (int i = 0; i < C; i++) y[i] = x[i] * r * (w ? w[i] : 1);
        rstd[n] = r;
    }
}

void rmsnorm_backward(real *dinp, real *dw, const real *dout, const real *inp, const real *w,
                      const real *rstd, int N, int C) {
    // EXERCISE BEGIN 05 rmsnorm_backward
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C, *g = dout + (size_t)n * C;
        real *dx = dinp + (size_t)n * C;
        real r = rstd[n];
        double dot = 0; // sum_i gh_i xhat_i
#pragma omp simd reduction(+ : dot)
        for (int i = 0; i < C; i++) dot += (double)g[i] * (w ? w[i] : 1) * x[i] * r;
        real m = (real)(dot / C);
        for (int i = 0; i < C; i++) {
            real xhat = x[i] * r;
            real gh = g[i] * (w ? w[i] : 1);
            if (dw) dw[i] += g[i] * xhat;
            dx[i] += r * (gh - xhat * m);
        }
    }
    // EXERCISE END
}

void layernorm_forward(real *out, real *mean, real *rstd, const real *inp, const real *w, const real *b,
                       int N, int C, real eps) {
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C;
        real *y = out + (size_t)n * C;
        double mu = 0, var = 0;
#pragma omp simd reduction(+ : mu)
        for (int i = 0; i < C; i++) mu += x[i];
        mu /= C;
#pragma omp simd reduction(+ : var)
        for (int i = 0; i < C; i++) var += (x[i] - mu) * (x[i] - mu);
        var /= C;
        real r = (real)(1.0 / sqrt(var + eps));
        for (int i = 0; i < C; i++) y[i] = (real)((x[i] - mu) * r) * w[i] + b[i];
        mean[n] = (real)mu;
        rstd[n] = r;
    }
}

void layernorm_backward(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                        const real *mean, const real *rstd, int N, int C) {
    // EXERCISE BEGIN 05 layernorm_backward
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C, *g = dout + (size_t)n * C;
        real *dx = dinp + (size_t)n * C;
        real mu = mean[n], r = rstd[n];
        double sum_gh = 0, sum_ghx = 0;
#pragma omp simd reduction(+ : sum_gh, sum_ghx)
        for (int i = 0; i < C; i++) {
            double gh = (double)g[i] * w[i];
            sum_gh += gh;
            sum_ghx += gh * (x[i] - mu) * r;
        }
        real m1 = (real)(sum_gh / C), m2 = (real)(sum_ghx / C);
        for (int i = 0; i < C; i++) {
            real xhat = (x[i] - mu) * r;
            dw[i] += g[i] * xhat;
            db[i] += g[i];
            dx[i] += r * (g[i] * w[i] - m1 - xhat * m2);
        }
    }
    // EXERCISE END
}
