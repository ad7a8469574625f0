// linear.c — y = x W^T + b and its three gradient products.
//
// Forward, for each row n and output o:   y[n,o] = b[o] + sum_c x[n,c] W[o,c]
// Backward, given g = dL/dy:
//   dL/dx[n,c] = sum_o g[n,o] W[o,c]       (dx = g W)
//   dL/dW[o,c] = sum_n g[n,o] x[n,c]       (dW = g^T x)
//   dL/db[o]   = sum_n g[n,o]
// These three products are most of the arithmetic of a Transformer. Here they
// are the loops the math says; fast/linear_fast.c computes the same sums the
// way the CPU likes (tiles, packed panels, SIMD), and tests hold the two together.
#include "layers/linear.h"

void linear_forward(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC) {
    // EXERCISE BEGIN 02 linear_forward
    for (int n = 0; n < N; n++) {
        for (int o = 0; o < OC; o++) {
            real s = b ? b[o] : 0;
            for (int c = 0; c < C; c++) s += inp[(size_t)n * C + c] * w[(size_t)o * C + c];
            out[(size_t)n * OC + o] = s;
        }
    }
    // EXERCISE END
}

void linear_backward(real *dinp, real *dw, real *db, const real *dout, const real *inp,
                         const real *w, int N, int C, int OC) {
    // EXERCISE BEGIN 02 linear_backward
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
    // EXERCISE END
}
