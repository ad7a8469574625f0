// linear.c — y = x W^T + b and its three gradient products.
//
// Forward, for each row n and output o:   y[n,o] = b[o] + sum_c x[n,c] W[o,c]
// Backward, given g = dL/dy:
//   dL/dx[n,c] = sum_o g[n,o] W[o,c]       (dx = g W)
//   dL/dW[o,c] = sum_n g[n,o] x[n,c]       (dW = g^T x)
//   dL/db[o]   = sum_n g[n,o]
// These three products are most of the arithmetic of a Transformer, so each
// has a reference loop (what the math says) and a tiled one (what the CPU likes).
#include "layers/linear.h"

#include <string.h>

// ---------------------------------------------------------------- reference

void linear_forward_ref(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC) {
    for (int n = 0; n < N; n++) {
        for (int o = 0; o < OC; o++) {
            real s = b ? b[o] : 0;
            for (int c = 0; c < C; c++) s += inp[(size_t)n * C + c] * w[(size_t)o * C + c];
            out[(size_t)n * OC + o] = s;
        }
    }
}

void linear_backward_ref(real *dinp, real *dw, real *db, const real *dout, const real *inp,
                         const real *w, int N, int C, int OC) {
    for (int n = 0; n < N; n++) {
        for (int o = 0; o < OC; o++) {
            real g = dout[(size_t)n * OC + o];
            for (int c = 0; c < C; c++) {
                if (dinp) dinp[(size_t)n * C + c] += g * w[(size_t)o * C + c];
                dw[(size_t)o * C + c] += g * inp[(size_t)n * C + c];
            }
            if (db) db[o] += g;
        }
    }
}

// ---------------------------------------------------------------- tiled
//
// Two micro-kernels cover the three products:
//  - "dot" tiles compute a 4x4 block of y = x W^T as 16 dot products over c,
//    reusing each loaded row of x and of W four times;
//  - "axpy" tiles compute a 4x32 block of C += A·B by streaming rows of B:
//    for every k, four scalars of A times one 32-wide row piece of B. The
//    32 columns are independent, so the compiler vectorises them without
//    reordering any sum (no -ffast-math needed).
// Edges (sizes not a multiple of the tile) fall back to plain loops.

#define TM 4  // rows of a tile
#define TN 32 // columns of an axpy tile

// out[i,j] = sum_k a[i,k] * b[j,k]; a: [M,K], b: [NB,K]
static void matmul_dot(real *out, const real *a, const real *b, int M, int K, int NB) {
    DIFFTX_OMP_FOR
    for (int i0 = 0; i0 < M; i0 += TM) {
        for (int j0 = 0; j0 < NB; j0 += 4) {
            const real *a0 = a + (size_t)i0 * K;
            const real *b0 = b + (size_t)j0 * K;
            if (i0 + TM <= M && j0 + 4 <= NB) {
                const real *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
                const real *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
                real s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
                real s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
#pragma omp simd reduction(+ : s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33)
                for (int k = 0; k < K; k++) {
                    real x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k];
                    real y0 = b0[k], y1 = b1[k], y2 = b2[k], y3 = b3[k];
                    s00 += x0 * y0, s01 += x0 * y1, s02 += x0 * y2, s03 += x0 * y3;
                    s10 += x1 * y0, s11 += x1 * y1, s12 += x1 * y2, s13 += x1 * y3;
                    s20 += x2 * y0, s21 += x2 * y1, s22 += x2 * y2, s23 += x2 * y3;
                    s30 += x3 * y0, s31 += x3 * y1, s32 += x3 * y2, s33 += x3 * y3;
                }
                real *o = out + (size_t)i0 * NB + j0;
                o[0] = s00, o[1] = s01, o[2] = s02, o[3] = s03, o += NB;
                o[0] = s10, o[1] = s11, o[2] = s12, o[3] = s13, o += NB;
                o[0] = s20, o[1] = s21, o[2] = s22, o[3] = s23, o += NB;
                o[0] = s30, o[1] = s31, o[2] = s32, o[3] = s33;
            } else {
                for (int i = i0; i < i0 + TM && i < M; i++)
                    for (int j = j0; j < j0 + 4 && j < NB; j++) {
                        real s = 0;
                        for (int k = 0; k < K; k++) s += a[(size_t)i * K + k] * b[(size_t)j * K + k];
                        out[(size_t)i * NB + j] = s;
                    }
            }
        }
    }
}

// c[i,j] += sum_k A(i,k) * b[k,j]; A(i,k) = a[i*ars + k*acs] (so A may be a
// transposed view), b: [K,NC] rows contiguous, c: [M,NC]
static void matmul_axpy(real *c, const real *a, size_t ars, size_t acs, const real *b, int M, int K, int NC) {
    DIFFTX_OMP_FOR
    for (int i0 = 0; i0 < M; i0 += TM) {
        for (int j0 = 0; j0 < NC; j0 += TN) {
            if (i0 + TM <= M && j0 + TN <= NC) {
                real acc[TM][TN];
                for (int r = 0; r < TM; r++)
                    for (int j = 0; j < TN; j++) acc[r][j] = c[(size_t)(i0 + r) * NC + j0 + j];
                for (int k = 0; k < K; k++) {
                    const real *brow = b + (size_t)k * NC + j0;
                    real x0 = a[(i0 + 0) * ars + k * acs], x1 = a[(i0 + 1) * ars + k * acs];
                    real x2 = a[(i0 + 2) * ars + k * acs], x3 = a[(i0 + 3) * ars + k * acs];
#pragma omp simd
                    for (int j = 0; j < TN; j++) {
                        acc[0][j] += x0 * brow[j];
                        acc[1][j] += x1 * brow[j];
                        acc[2][j] += x2 * brow[j];
                        acc[3][j] += x3 * brow[j];
                    }
                }
                for (int r = 0; r < TM; r++)
                    for (int j = 0; j < TN; j++) c[(size_t)(i0 + r) * NC + j0 + j] = acc[r][j];
            } else {
                for (int i = i0; i < i0 + TM && i < M; i++)
                    for (int j = j0; j < j0 + TN && j < NC; j++) {
                        real s = c[(size_t)i * NC + j];
                        for (int k = 0; k < K; k++) s += a[i * ars + k * acs] * b[(size_t)k * NC + j];
                        c[(size_t)i * NC + j] = s;
                    }
            }
        }
    }
}

void linear_forward(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC) {
    matmul_dot(out, inp, w, N, C, OC);
    if (b) {
        DIFFTX_OMP_FOR
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] += b[o];
    }
}

void linear_backward(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                     int N, int C, int OC) {
    if (dinp) matmul_axpy(dinp, dout, (size_t)OC, 1, w, N, OC, C);   // dx = g W
    matmul_axpy(dw, dout, 1, (size_t)OC, inp, OC, N, C);             // dW = g^T x
    if (db) {
        DIFFTX_OMP_FOR
        for (int o = 0; o < OC; o++) {
            real s = 0;
            for (int n = 0; n < N; n++) s += dout[(size_t)n * OC + o];
            db[o] += s;
        }
    }
}
