// eval.c — mean loss (and its gradient) over consecutive windows.
//
// With W windows split into batches of b_j windows each, a batch's forward
// pass returns its own mean L_j over b_j * T positions, so the mean over all
// W * T positions is
//   L = sum_j (b_j / W) L_j,   and likewise   dL/dθ = sum_j (b_j / W) dL_j/dθ.
// model_backward adds dL_j/dθ (with unit upstream gradient) into m->grads,
// so each batch is back-propagated into freshly zeroed grads and added,
// scaled by b_j / W, into a separate accumulator (double, allocated once);
// at the end the accumulator is copied into m->grads. This leaves the model's
// backward pass untouched and costs one extra buffer of n_params values.
#include "eval.h"

#include <stdlib.h>
#include <string.h>

size_t eval_n_windows(size_t n, int T) { return T < 1 || n < (size_t)T + 1 ? 0 : (n - 1) / (size_t)T; }

int eval_windows(Model *m, const int *tokens, size_t n, int batch, double *mean_loss, int with_grad) {
    const int T = m->cfg.block_size;
    const size_t W = eval_n_windows(n, T);
    if (W == 0) return -1;
    if (batch < 1 || batch > m->B_max || m->T_max < T) return -2;
    double *acc = NULL;
    if (with_grad && !(acc = calloc(m->n_params, sizeof(double)))) return -3;
    double sum = 0;
    for (size_t k0 = 0; k0 < W; k0 += (size_t)batch) {
        const int b = W - k0 < (size_t)batch ? (int)(W - k0) : batch;
        // The windows of a batch are adjacent, so its inputs are one run of
        // b*T tokens from k0*T, and its targets the same run shifted by one.
        const int *in = tokens + k0 * (size_t)T;
        const double lj = model_forward(m, in, in + 1, b, T);
        sum += lj * b;
        if (with_grad) {
            model_zero_grad(m);
            model_backward(m);
            const double s = (double)b / (double)W;
            for (size_t i = 0; i < m->n_params; i++) acc[i] += s * (double)m->grads[i];
        }
    }
    *mean_loss = sum / (double)W;
    if (with_grad) {
        for (size_t i = 0; i < m->n_params; i++) m->grads[i] = (real)acc[i];
        free(acc);
    }
    return 0;
}
