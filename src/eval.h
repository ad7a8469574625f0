// eval.h — SPEC.md's evaluation contract: the mean next-token loss over
// consecutive windows of a text, and optionally its gradient.
#ifndef DIFFTX_EVAL_H
#define DIFFTX_EVAL_H

#include <stddef.h>

#include "model.h"

// Number of windows SPEC's evaluation cuts n tokens into with T = block_size:
// window k has inputs tokens[kT, kT+T) and targets tokens[kT+1, kT+T+1), and
// is kept when kT+T+1 <= n, so there are floor((n - 1) / T) (0 if n < T+1).
size_t eval_n_windows(size_t n, int T);

// tokens: [n] -> *mean_loss = mean over all windows and positions of
// -log softmax(logits)[target]. Windows are evaluated `batch` at a time (the
// last batch may be smaller); m's activations must be allocated for at least
// batch x block_size. With with_grad, m->grads receives d(mean_loss)/dparams.
// Returns 0, -1 if n < block_size + 1 (no window), -2 if batch is not in
// [1, B_max] or the activations are too short, -3 out of memory.
int eval_windows(Model *m, const int *tokens, size_t n, int batch, double *mean_loss, int with_grad);

#endif
