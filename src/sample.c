// sample.c — temperature and top-k sampling from next-token logits.
//
// Dividing the logits by a temperature tau before the softmax,
//   p_i = exp(z_i / tau) / sum_j exp(z_j / tau),
// sharpens the distribution for tau < 1 (tau -> 0 is the argmax) and flattens
// it for tau > 1. Top-k sets p_i = 0 outside the k largest logits and
// renormalises, which removes the long tail of unlikely tokens that would
// otherwise be drawn now and then over many steps.
#include "sample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int argmax(const real *x, int V) {
    int best = 0;
    for (int i = 1; i < V; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

static int cmp_desc(const void *a, const void *b) {
    real x = *(const real *)a, y = *(const real *)b;
    return (x < y) - (x > y);
}

int sample_next(const real *logits, int V, double temperature, int top_k, Rng *rng, real *scratch) {
    if (temperature <= 0 || top_k == 1) {
        // top_k = 1 leaves one candidate, but still draws, so that a stream of
        // random numbers does not depend on which path was taken.
        if (temperature > 0) (void)rng_uniform(rng);
        return argmax(logits, V);
    }
    const int k = top_k <= 0 || top_k > V ? V : top_k;
    // The k-th largest logit is the threshold; all logits above it are kept,
    // and of those equal to it only the first (k - above) by id, so exactly k.
    real thr = -INFINITY;
    int ties = V;
    if (k < V) {
        memcpy(scratch, logits, (size_t)V * sizeof(real));
        qsort(scratch, (size_t)V, sizeof(real), cmp_desc);
        thr = scratch[k - 1];
        int above = 0;
        for (int i = 0; i < V; i++) above += logits[i] > thr;
        ties = k - above;
    }
    const real zmax = logits[argmax(logits, V)];
    double sum = 0;
    for (int i = 0; i < V; i++) {
        int keep = logits[i] > thr || (logits[i] == thr && ties-- > 0);
        // exp((z - zmax) / tau) <= 1: the shift cancels in the ratio and cannot overflow.
        scratch[i] = keep ? (real)exp(((double)logits[i] - (double)zmax) / temperature) : 0;
        sum += (double)scratch[i];
    }
    const double u = rng_uniform(rng) * sum;
    double cum = 0;
    int last = 0;
    for (int i = 0; i < V; i++) {
        if (scratch[i] <= 0) continue;
        cum += (double)scratch[i];
        last = i;
        if (u < cum) return i;
    }
    return last; // u within rounding of sum
}

int sample_generate(Model *m, const Vocab *v, const int *prompt, int n_prompt, const SampleSettings *s, char *err,
                    size_t errlen) {
    const int T = m->cfg.block_size, V = m->cfg.vocab_size;
    if (m->B_max < 1 || m->T_max < T) {
        snprintf(err, errlen, "sample: activations are allocated for %d x %d, need 1 x %d (block_size)", m->B_max,
                 m->T_max, T);
        return -1;
    }
    if (v->size != V) {
        snprintf(err, errlen, "sample: vocabulary has %d tokens, the model %d", v->size, V);
        return -1;
    }
    int *context = malloc((size_t)T * sizeof(int));
    real *scratch = malloc((size_t)V * sizeof(real));
    if (!context || !scratch) {
        free(context), free(scratch);
        snprintf(err, errlen, "sample: out of memory");
        return -1;
    }
    int n = 0;
    if (n_prompt <= 0) {
        context[n++] = v->stoi['\n'] >= 0 ? v->stoi['\n'] : 0;
    } else {
        const int from = n_prompt > T ? n_prompt - T : 0;
        for (int i = from; i < n_prompt; i++) context[n++] = prompt[i];
    }
    for (int step = 0; step < s->n_tokens; step++) {
        model_forward(m, context, NULL, 1, n);
        const int next = sample_next(m->logits + (size_t)(n - 1) * V, V, s->temperature, s->top_k, s->rng, scratch);
        s->emit(v->itos[next], s->ctx);
        if (n == T) memmove(context, context + 1, (size_t)(T - 1) * sizeof(int)), n--;
        context[n++] = next;
    }
    free(context), free(scratch);
    return 0;
}
