// loss.c — softmax cross-entropy.
//
// p = softmax(z), loss = -log p_y. Its gradient has the famous simple form
//   dloss/dz_j = p_j - [j == y]
// (the softmax Jacobian and the log cancel). With the mean over N positions
// every row is scaled by 1/N.
#include "layers/loss.h"

#include <math.h>

void softmax_forward(real *probs, const real *logits, int N, int V) {
    // EXERCISE BEGIN 03 softmax_forward
    for (int n = 0; n < N; n++) {
        const real *z = logits + (size_t)n * V;
        real *p = probs + (size_t)n * V;
        real mx = z[0];
        for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
        for (int j = 0; j < V; j++) p[j] = real_exp(z[j] - mx);
        double sum = 0; // its own loop, so the exps above vectorise
        for (int j = 0; j < V; j++) sum += p[j];
        real inv = (real)(1.0 / sum);
        for (int j = 0; j < V; j++) p[j] *= inv;
    }
    // EXERCISE END
}

double crossentropy_forward(real *probs, const real *logits, const int *targets, int N, int V) {
    softmax_forward(probs, logits, N, V);
    double total = 0;
    for (int n = 0; n < N; n++) {
        // -log p_y computed from the logits (log-sum-exp) rather than from p_y,
        // so a tiny probability does not underflow to log(0).
        const real *z = logits + (size_t)n * V;
        real mx = z[0];
        for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
        double sum = 0;
        for (int j = 0; j < V; j++) sum += exp((double)z[j] - mx);
        total += log(sum) + mx - z[targets[n]];
    }
    return total / N;
}

void crossentropy_backward(real *dlogits, const real *probs, const int *targets, int N, int V, real dloss) {
    // EXERCISE BEGIN 03 crossentropy_backward
    real scale = dloss / (real)N;
    for (int n = 0; n < N; n++) {
        const real *p = probs + (size_t)n * V;
        real *dz = dlogits + (size_t)n * V;
        for (int j = 0; j < V; j++) dz[j] += scale * (p[j] - (j == targets[n]));
    }
    // EXERCISE END
}
