// sample.h — text generation: pick the next token from the model's logits
// (temperature, top-k) and stream a continuation of a prompt byte by byte.
#ifndef DIFFTX_SAMPLE_H
#define DIFFTX_SAMPLE_H

#include <stddef.h>

#include "data.h"
#include "difftx.h"
#include "model.h"
#include "rng.h"

// logits: [V] -> a token id in [0, V).
// temperature <= 0 picks the argmax (the lowest id among equal maxima) and
// draws no random number. Otherwise the candidates are the top_k largest
// logits (top_k <= 0 or >= V: all V; ties broken by lower id), and token i is
// drawn with probability exp(logits[i] / temperature) / sum over candidates,
// using exactly one rng_uniform. scratch: [V] reals, overwritten.
int sample_next(const real *logits, int V, double temperature, int top_k, Rng *rng, real *scratch);

// Generates s->n_tokens tokens after prompt[0, n_prompt) and calls emit with the
// byte of each one as soon as it is chosen (the prompt itself is not emitted).
// The model sees the last block_size tokens: each step runs
// model_forward(m, context, NULL, 1, T), T = tokens in context, and samples
// from the logits of its last position. An empty prompt starts from the token
// for '\n' if the vocabulary has it, else token 0. m's activations must have
// been allocated for B >= 1, T >= block_size. 0 ok, -1 with a message in err.
// How to draw: n_tokens tokens with sample_next's temperature and top_k,
// from rng; each chosen byte goes to emit(byte, ctx).
typedef struct {
    int n_tokens;
    double temperature;
    int top_k;
    Rng *rng;
    void (*emit)(unsigned char byte, void *ctx);
    void *ctx;
} SampleSettings;
int sample_generate(Model *m, const Vocab *v, const int *prompt, int n_prompt, const SampleSettings *s, char *err,
                    size_t errlen);

#endif
