// linear_fast.c — the products of linear.c (y = x W^T, dx = g W, dW = g^T x)
// in cache tiles and SIMD registers: the same sums, faster.
//
// All three products have the form  C[i,j] (+)= sum_k A(i,k) B(k,j)  with A
// and B read through strides, so one routine serves them all:
//   y  = x W^T : A = x,    B(k,j) = W[j,k]
//   dx = g W   : A = g,    B(k,j) = W[k,j]
//   dW = g^T x : A(i,k) = g[k,i],  B = x
// It cuts C into column panels TN wide. For each panel it first copies
// B(k, j0..j0+TN) into a small contiguous buffer (packing: every later read is
// sequential, whatever B's layout), then sweeps the rows TM at a time: for
// every k, TM scalars of A times one TN-wide row of the panel, accumulated in
// a TM x TN block that stays in registers. The TN columns are independent,
// so the compiler vectorises them without reordering any sum (no
// -ffast-math). Panels are handed out to threads one at a time (dynamic), so
// a thread slowed by other programs does not hold the others up.

#include "layers/fast/linear_fast.h"

#include "layers/linear.h"

#include <string.h>

// The register block: TM rows x TN columns of C stay in vector registers
// while k runs, so each loaded value of A and of the panel feeds many FMAs.
// AVX2 has 16 registers of 8 floats: 6 x 16 uses 12 for accumulators. AVX-512
// has 32 registers of 16 floats: 12 x 32 uses 24, enough independent chains
// to keep both FMA units busy through the FMA latency (15% faster steps
// than 6 x 16 on an AVX-512 Xeon). The Makefile asks for 512-bit vectors
// when the machine has them.
#if defined(__AVX512F__) && !defined(DIFFTX_DOUBLE)
#define TM 12
#define TN 32
#else
#define TM 6
#define TN 16
#endif
#define KC 512 // k values per packed panel (the panel stays in L1/L2)

// acc[TM][TN] (+)= A(rows, k0..k0+kc) . panel; mi <= TM rows, nj <= TN columns are kept.
// A block with fewer than TM rows repeats its last row in the missing ones
// (computed, never stored): the loops keep their constant trip counts, so
// the accumulators stay in registers on every block, edge or not.
static void block(real *c, size_t ldc, const real *a, size_t ars, size_t acs, const real *panel, int mi, int nj,
                  int kc, int load) {
    real acc[TM][TN] = {{0}};
    const real *ar[TM];
    for (int r = 0; r < TM; r++) ar[r] = a + (size_t)(r < mi ? r : mi - 1) * ars;
    if (load) {
        if (nj == TN) {
            for (int r = 0; r < mi; r++)
#pragma omp simd
                for (int j = 0; j < TN; j++) acc[r][j] = c[r * ldc + j];
        } else {
            for (int r = 0; r < mi; r++)
                for (int j = 0; j < nj; j++) acc[r][j] = c[r * ldc + j];
        }
    }
    for (int k = 0; k < kc; k++) {
        const real *pk = panel + (size_t)k * TN;
        const size_t ak = (size_t)k * acs;
        for (int r = 0; r < TM; r++) {
            const real x = ar[r][ak];
#pragma omp simd
            for (int j = 0; j < TN; j++) acc[r][j] += x * pk[j];
        }
    }
    if (nj == TN) {
        for (int r = 0; r < mi; r++)
#pragma omp simd
            for (int j = 0; j < TN; j++) c[r * ldc + j] = acc[r][j];
    } else {
        for (int r = 0; r < mi; r++)
            for (int j = 0; j < nj; j++) c[r * ldc + j] = acc[r][j];
    }
}

// panel[k][j] = B(k0 + k, j0 + j) for k < kc, j < TN, zero for j >= nj.
// When B's rows are contiguous (bcs = 1: dx = g W and dW = g^T x) each row is
// a straight copy; otherwise (y = x W^T reads W's columns) each column of the
// panel is one contiguous row of W.
static void pack_panel(real *panel, const real *b, size_t brs, size_t bcs, int k0, int kc, int j0, int nj) {
    if (bcs == 1) {
        for (int k = 0; k < kc; k++) {
            const real *src = b + (size_t)(k0 + k) * brs + j0;
            real *dst = panel + (size_t)k * TN;
            for (int j = 0; j < nj; j++) dst[j] = src[j];
            for (int j = nj; j < TN; j++) dst[j] = 0;
        }
    } else {
        for (int j = 0; j < TN; j++) {
            const real *src = b + (size_t)(j0 + j) * bcs + (size_t)k0 * brs;
            for (int k = 0; k < kc; k++) panel[(size_t)k * TN + j] = j < nj ? src[(size_t)k * brs] : 0;
        }
    }
}

// c: [M,NC] (+)= A · B, A(i,k) = a[i*ars + k*acs], B(k,j) = b[k*brs + j*bcs].
static void gemm(real *c, const real *a, size_t ars, size_t acs, const real *b, size_t brs, size_t bcs, int M,
                 int K, int NC, int accumulate) {
    const int n_panels = (NC + TN - 1) / TN;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int pj = 0; pj < n_panels; pj++) {
        real panel[KC * TN];
        const int j0 = pj * TN, nj = NC - j0 < TN ? NC - j0 : TN;
        for (int k0 = 0; k0 < K || (k0 == 0 && K == 0); k0 += KC) {
            const int kc = K - k0 < KC ? K - k0 : KC;
            pack_panel(panel, b, brs, bcs, k0, kc, j0, nj);
            const int load = accumulate || k0 > 0;
            for (int i0 = 0; i0 < M; i0 += TM)
                block(c + (size_t)i0 * NC + j0, (size_t)NC, a + i0 * ars + (size_t)k0 * acs, ars, acs, panel,
                      M - i0 < TM ? M - i0 : TM, nj, kc, load);
            if (K == 0) break;
        }
    }
}

void linear_forward_fast(real *out, const real *inp, const real *w, const real *b, int N, int C, int OC) {
    // TWIN BEGIN 02 linear_forward -> linear_forward(out, inp, w, b, N, C, OC); (void)gemm;
    gemm(out, inp, (size_t)C, 1, w, 1, (size_t)C, N, C, OC, 0); // y = x W^T
    if (b) {
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] += b[o];
    }
    // TWIN END
}

void linear_backward_fast(real *dinp, real *dw, real *db, const real *dout, const real *inp, const real *w,
                     int N, int C, int OC) {
    // TWIN BEGIN 02 linear_backward -> linear_backward(dinp, dw, db, dout, inp, w, N, C, OC); (void)gemm;
    if (dinp) gemm(dinp, dout, (size_t)OC, 1, w, (size_t)C, 1, N, OC, C, 1);   // dx = g W
    gemm(dw, dout, 1, (size_t)OC, inp, (size_t)C, 1, OC, N, C, 1);               // dW = g^T x
    if (db) {
        for (int o = 0; o < OC; o++) {
            real s = 0;
            for (int n = 0; n < N; n++) s += dout[(size_t)n * OC + o];
            db[o] += s;
        }
    }
    // TWIN END
}
