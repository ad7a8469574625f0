// attention_fast.c — the causal attention of attention.c, arranged for SIMD.
//
// The teaching version computes every score <q_t, k_s> as a d-long dot
// product, and a dot product ends in a horizontal sum across the vector
// lanes: once per (t, s) pair, and it dominates at head widths like 32.
// The fast path first transposes each head's keys into kt: [d, T], so that a
// whole row of scores is d passes of
//   z[0..t] += q_t[i] * kt[i][0..t]
// with the lanes running along s and no horizontal sum at all. Backward
// does the same for dL/da_s = <go_t, v_s> with V transposed. The sums are
// taken in a different order than the reference, so results agree to
// rounding (tests/test_layers.c compares the two).
//
// Scores are made DOT_CHUNK keys at a time, their sums held in registers
// while i runs; the transposed rows are padded with zeros to a multiple of
// DOT_CHUNK (head_ld) so a chunk never reads past its row.
#include "layers/fast/attention_fast.h"

#include <math.h>

#include "layers/attention.h"

#define DOT_CHUNK 32

int head_ld(int T) { return (T + DOT_CHUNK - 1) / DOT_CHUNK * DOT_CHUNK; }

void head_transpose(real *xt, const real *x, size_t stride, int T, int d) {
    const int ld = head_ld(T);
    for (int i = 0; i < d; i++)
        for (int s = T; s < ld; s++) xt[(size_t)i * ld + s] = 0;
    for (int s = 0; s < T; s++)
        for (int i = 0; i < d; i++) xt[(size_t)i * ld + s] = x[(size_t)s * stride + i];
}

void causal_row_dots_t(real *z, const real *q, const real *xt, int t, int T, int d, real scale) {
    const int ld = head_ld(T);
    for (int s0 = 0; s0 <= t; s0 += DOT_CHUNK) {
        real acc[DOT_CHUNK] = {0}; // stays in registers for the whole pass over i
        for (int i = 0; i < d; i++) {
            const real qi = q[i] * scale, *xr = xt + (size_t)i * ld + s0;
#pragma omp simd
            for (int j = 0; j < DOT_CHUNK; j++) acc[j] += qi * xr[j];
        }
        const int n = t + 1 - s0 < DOT_CHUNK ? t + 1 - s0 : DOT_CHUNK;
        for (int j = 0; j < n; j++) z[s0 + j] = acc[j];
    }
}


void attention_forward_fast(real *out, real *att, real *kt, const real *q, const real *k, const real *v,
                            AttnShape sh) {
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d;
    const real scale = (real)(1.0 / sqrt((double)d));
    DIFFTX_OMP_FOR
    for (int bh = 0; bh < B * H; bh++) {
        int b = bh / H, h = bh % H;
        size_t base = (size_t)b * T * C + (size_t)h * d;
        real *ktb = kt + (size_t)bh * d * head_ld(T);
        head_transpose(ktb, k + base, C, T, d);
        for (int t = 0; t < T; t++) {
            real *a = att + ((size_t)bh * T + t) * T;
            causal_row_dots_t(a, q + base + (size_t)t * C, ktb, t, T, d, scale);
            causal_softmax_inplace(a, t, T);
            real *o = out + base + (size_t)t * C;
            for (int i = 0; i < d; i++) o[i] = 0;
            for (int s = 0; s <= t; s++) {
                const real *vs = v + base + (size_t)s * C;
#pragma omp simd
                for (int i = 0; i < d; i++) o[i] += a[s] * vs[i];
            }
        }
    }
}

void attention_backward_fast(real *dq, real *dk, real *dv, real *datt, real *vt, const real *dout, const real *q,
                             const real *k, const real *v, const real *att, AttnShape sh) {
    // TWIN BEGIN 06 attention_backward -> attention_backward(dq, dk, dv, datt, dout, q, k, v, att, sh); (void)vt;
    const int B = sh.B, T = sh.T, H = sh.H, d = sh.d, C = H * d;
    const real scale = (real)(1.0 / sqrt((double)d));
    DIFFTX_OMP_FOR
    for (int bh = 0; bh < B * H; bh++) {
        int b = bh / H, h = bh % H;
        size_t base = (size_t)b * T * C + (size_t)h * d;
        real *vtb = vt + (size_t)bh * d * head_ld(T);
        head_transpose(vtb, v + base, C, T, d);
        for (int t = 0; t < T; t++) {
            const real *a = att + ((size_t)bh * T + t) * T;
            real *da = datt + ((size_t)bh * T + t) * T;
            const real *go = dout + base + (size_t)t * C;
            causal_row_dots_t(da, go, vtb, t, T, d, 1);
            for (int s = 0; s <= t; s++) {
                real *dvs = dv + base + (size_t)s * C;
#pragma omp simd
                for (int i = 0; i < d; i++) dvs[i] += a[s] * go[i];
            }
            causal_softmax_row_backward(dq + base + (size_t)t * C, dk + base, da, a, q + base + (size_t)t * C,
                                        k + base, C, t, d, scale);
        }
    }
    // TWIN END
}
