// needle.h — scoring a model on needle-in-a-haystack lines (data/needle.c):
// does greedy decoding after the query retrieve the needle's value, and how
// much of the query's attention lands on that value rather than on filler.
#ifndef DIFFTX_NEEDLE_H
#define DIFFTX_NEEDLE_H

#include <stddef.h>

#include "data.h"
#include "difftx.h"
#include "model.h"

// What each byte of a prompt is, for the attention shares.
typedef enum {
    NEEDLE_NOISE,  // filler: everything that is not part of a needle or the query
    NEEDLE_OTHER,  // a needle's key and ':', and the values of needles with other keys
    NEEDLE_ANSWER, // the value of a needle whose key is the query's (in the context)
    NEEDLE_QUERY,  // the query '?key:' itself
} NeedleLabel;

// One test line: context, then '?key:' and the expected value up to the end.
// A needle is [a-z]+ ':' [0-9]+ anywhere in the context (before the '?').
typedef struct {
    size_t qmark;       // offset of the query's '?' (the last '?' of the line)
    size_t colon;       // offset of the query's ':'; the prompt is line[0, colon]
    size_t key_len;     // the key is line[qmark+1, colon)
    size_t value_len;   // the answer is line[colon+1, colon+1+value_len), to the end of the line
    int n_needles;      // needles in the context
    int n_answers;      // of those, how many have the query's key (>= 1)
} NeedleLine;

// Parses line[0, n) (without its '\n'). 0 ok, or -1 with the reason in err:
// no '?', no key of lowercase letters and ':' after it, no value, or no
// needle in the context with the query's key.
int needle_parse_line(const unsigned char *line, size_t n, NeedleLine *q, char *err, size_t errlen);

// label[i] for every byte i of the prompt line[0, q->colon] (q->colon + 1 bytes).
void needle_label(const unsigned char *line, const NeedleLine *q, unsigned char *label);

// Sums of row[0, n) over the positions labelled NEEDLE_ANSWER and NEEDLE_NOISE.
void needle_row_shares(const real *row, const unsigned char *label, int n, double *answer, double *noise);

// Differential attention's effective row, normalised: out[j] =
// (a1[j] - lambda a2[j]) / (1 - lambda). a1 and a2 are softmax rows (each sums
// to 1), so a1 - lambda a2 sums to 1 - lambda; dividing by it makes the row
// sum to 1 like a softmax row, so its shares compare with a standard model's
// (entries may be negative: that is the noise the second map cancels).
void needle_diff_row(real *out, const real *a1, const real *a2, real lambda, int n);

// Attention of the last position of the model's last forward pass (batch
// row 0, T = m->T), the row that predicts the next byte: the answer and noise
// shares (label: [m->T], one per position), averaged over heads, for the last
// layer (*_last) and averaged over all layers (*_layers). Standard attention
// uses its softmax rows, differential attention needle_diff_row of A1 and A2
// with lambda = diffattn_lambda(...) + lambda_init_at(l) as the model computes
// it. row: [m->T] scratch.
void needle_attention(const Model *m, const unsigned char *label, real *row, double *answer_last,
                      double *noise_last, double *answer_layers, double *noise_layers);

// Sums over the lines scored (divide by n for means).
typedef struct {
    long n, correct;
    double answer_last, noise_last, answer_layers, noise_layers;
} NeedleTally;

// Scores every line of text[0, len) (tokens: its ids in v, [len]) and adds to
// *t. For each line: the prompt is '\n' (the previous line's end, as in
// training; left out if v has no '\n') and the line up to the query's ':',
// cut to its last block_size bytes; needle_attention is measured at the first
// forward pass, then value_len bytes are decoded greedily (argmax, the window
// sliding when full) and the line is correct when they equal the value
// exactly. m's activations must be allocated for 1 x block_size.
// 0 ok, -1 with "line N: why" in err.
int needle_score_text(Model *m, const Vocab *v, const unsigned char *text, const int *tokens, size_t len,
                      NeedleTally *t, char *err, size_t errlen);

#endif
