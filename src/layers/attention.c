// attention.c — causal softmax attention, one row at a time.
//
// For head h and query position t:
//   z_s = <q_t, k_s> / sqrt(d)   for s <= t (the causal mask: no peeking ahead)
//   a_s = softmax(z)_s,          o_t = sum_s a_s v_s
// Backward, with go = dL/do_t:
//   dL/da_s = <go, v_s>,   dL/dv_s += a_s go
//   dL/dz_s = a_s (dL/da_s - sum_r a_r dL/da_r)       (softmax Jacobian)
//   dL/dq_t += sum_s dL/dz_s k_s / sqrt(d),  dL/dk_s += dL/dz_s q_t / sqrt(d)
// Future positions s > t never enter the sums, so they get exactly zero
// attention and zero gradient. fast/attention_fast.c computes the same rows
// with each head's keys transposed (no horizontal sums).
#include "layers/attention.h"

#include <math.h>

// In place over one causal row: att[0..t] = softmax(att[0..t]), att[t+1..T) = 0.
void causal_softmax_inplace(real *att, int t, int T) {
    real mx = -INFINITY;
    for (int s = 0; s <= t; s++) mx = att[s] > mx ? att[s] : mx;
    for (int s = 0; s <= t; s++) att[s] = real_exp(att[s] - mx); // subtracting the max keeps exp finite
    real sum = 0; // its own loop: the exps vectorise, the sum keeps its order
    for (int s = 0; s <= t; s++) sum += att[s];
    real inv = 1 / sum;
    for (int s = 0; s <= t; s++) att[s] *= inv;
    for (int s = t + 1; s < T; s++) att[s] = 0;
}

void causal_softmax_row_forward(real *att, const real *q, const real *k, size_t kstride, int t, int T, int d,
                                real scale) {
    for (int s = 0; s <= t; s++) {
        const real *ks = k + s * kstride;
        real z = 0;
#pragma omp simd reduction(+ : z)
        for (int i = 0; i < d; i++) z += q[i] * ks[i];
        att[s] = z * scale;
    }
    causal_softmax_inplace(att, t, T);
}

void causal_softmax_row_backward(real *dq, real *dk, const real *datt, const real *att, const real *q,
                                 const real *k, size_t kstride, int t, int d, real scale) {
    // EXERCISE BEGIN 06 causal_softmax_row_backward
    real dot = 0; // sum_r a_r dL/da_r
    for (int s = 0; s <= t; s++) dot += att[s] * datt[s];
    for (int s = 0; s <= t; s++) {
        real dz = att[s] * (datt[s] - dot) * scale;
        const real *ks = k + s * kstride;
        real *dks = dk + s * kstride;
#pragma omp simd
        for (int i = 0; i < d; i++) {
            dq[i] += dz * ks[i];
            dks[i] += dz * q[i];
        }
    }
    // EXERCISE END
}

void attention_forward(real *out, real *att, const real *q, const real *k, const real *v, AttnShape sh) {
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d;
    const real scale = (real)(1.0 / sqrt((double)d));
    DIFFTX_OMP_FOR
    for (int bh = 0; bh < B * H; bh++) {
        int b = bh / H, h = bh % H;
        size_t base = (size_t)b * T * C + (size_t)h * d; // row 0 of this head
        for (int t = 0; t < T; t++) {
            real *a = att + ((size_t)bh * T + t) * T;
            causal_softmax_row_forward(a, q + base + (size_t)t * C, k + base, C, t, T, d, scale);
            real *o = out + base + (size_t)t * C;
            for (int i = 0; i < d; i++) o[i] = 0;
            for (int s = 0; s <= t; s++) {
                const real *vs = v + base + (size_t)s * C;
                for (int i = 0; i < d; i++) o[i] += a[s] * vs[i];
            }
        }
    }
}

void attention_backward(real *dq, real *dk, real *dv, real *datt, const real *dout, const real *q, const real *k,
                        const real *v, const real *att, AttnShape sh) {
    // EXERCISE BEGIN 06 attention_backward
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d;
    const real scale = (real)(1.0 / sqrt((double)d));
    DIFFTX_OMP_FOR
    for (int bh = 0; bh < B * H; bh++) {
        int b = bh / H, h = bh % H;
        size_t base = (size_t)b * T * C + (size_t)h * d;
        for (int t = 0; t < T; t++) {
            const real *a = att + ((size_t)bh * T + t) * T;
            real *da = datt + ((size_t)bh * T + t) * T;
            const real *go = dout + base + (size_t)t * C;
            for (int s = 0; s <= t; s++) {
                const real *vs = v + base + (size_t)s * C;
                real *dvs = dv + base + (size_t)s * C;
                real acc = 0;
#pragma omp simd reduction(+ : acc)
                for (int i = 0; i < d; i++) {
                    acc += go[i] * vs[i];
                    dvs[i] += a[s] * go[i];
                }
                da[s] = acc;
            }
            causal_softmax_row_backward(dq + base + (size_t)t * C, dk + base, da, a, q + base + (size_t)t * C,
                                        k + base, C, t, d, scale);
        }
    }
    // EXERCISE END
}
