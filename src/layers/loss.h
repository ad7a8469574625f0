// loss.h — softmax cross-entropy, the training objective.
#ifndef DIFFTX_LOSS_H
#define DIFFTX_LOSS_H

#include "difftx.h"

// logits: [N,V], targets: [N] -> probs: [N,V] (softmax, saved for backward);
// returns the mean over the N positions of -log probs[n, targets[n]].
double crossentropy_forward(real *probs, const real *logits, const int *targets, int N, int V);
// dlogits: [N,V] (+=) = dloss * (probs - onehot(targets)) / N
void crossentropy_backward(real *dlogits, const real *probs, const int *targets, int N, int V, real dloss);

// probs: [N,V] = softmax of each row of logits: [N,V] (subtracts the row max first,
// so exp never overflows; the result is unchanged because softmax ignores shifts)
void softmax_forward(real *probs, const real *logits, int N, int V);

#endif
