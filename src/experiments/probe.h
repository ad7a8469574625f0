// probe.h — looking inside a trained model: run it on windows of a text and
// read attention maps and activation statistics out of the activations its
// forward pass saved (Model.layer[l]), without touching the model code.
//
// Used by `difftx attn` (attention maps of one window) and `difftx outliers`
// (the largest activations over many windows, as in Table 5 of the
// Differential Transformer paper). The windows are read with checkpoint_text.h.
#ifndef DIFFTX_PROBE_H
#define DIFFTX_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "checkpoint_text.h"
#include "model.h"

// ------------------------------------------------------------ attention maps

typedef enum {
    PROBE_A,     // standard attention: softmax(Q K^T / sqrt(d) + mask) of head h
    PROBE_A1,    // differential attention, head h: softmax(Q1 K1^T / sqrt(d) + mask)
    PROBE_A2,    //                                  softmax(Q2 K2^T / sqrt(d) + mask)
    PROBE_ADIFF, //                                  A1 - lambda A2
} ProbeMap;

// Heads with their own map: n_head (standard) or n_head / 2 (differential).
int probe_n_heads(const Model *m);

// lambda of `layer` exactly as diffattn_forward uses it: diffattn_lambda with
// lambda_init_at(layer), computed in double and rounded to `real`.
// Differential models only.
double probe_lambda(const Model *m, int layer);

// One map of window b of the last forward pass (B, T = m->B, m->T).
// out: [T,T], row t = query position t, column s = key position s; exactly
// the saved activations (att for A and A1, att2 for A2: [B,H,T,T] or
// [B,H/2,T,T]) and A1[t,s] - lambda A2[t,s] in double for ADIFF; 0 above the
// diagonal (s > t), where the causal mask leaves nothing.
void probe_attn_map(const Model *m, int layer, int head, ProbeMap which, int b, double *out);

// The pre-softmax scores of sub-head j (0 <= j < n_head), recomputed in double
// from the saved post-rotary q and k: out[t,s] = <q_t, k_s> / sqrt(d) for
// s <= t, 0 above the diagonal. q_t, k_s are the d columns [j d, (j+1) d); in
// differential attention j = 2h is head h's Q1 K1^T and j = 2h + 1 its Q2 K2^T,
// so A (or A1, A2) = softmax over each row of these scores.
// out: [T,T]
void probe_logits(const Model *m, int layer, int j, int b, double *out);

// A short description of one map M: [T,T] (rows t, causal entries s <= t).
// For a softmax map the "mass" of row t is M[t,:] itself; for the signed
// A1 - lambda A2 it is |M[t,:]| normalised to sum 1 (where the row looks,
// whichever the sign), so both read the same way.
typedef struct {
    double self;     // mean_t M[t,t]: attention on the current token
    double entropy;  // mean_t of -sum_s p_s ln p_s, p = |M[t,:]| / sum_s |M[t,s]| (nats)
    double uniform;  // mean_t ln(t+1): the entropy of uniform causal attention, for scale
    double top1;     // mean_t max_s p_s: share of the row's mass on its top key
    double negative; // share of the T(T+1)/2 causal entries below 0
    double row_sum;  // mean_t sum_s M[t,s]: 1 for softmax, 1 - lambda for A1 - lambda A2
} MapStats;
void probe_map_stats(const double *map, int T, MapStats *s);

// ------------------------------------------------------------ |value| statistics

// The largest |values| and the median |value| of a stream too long to keep,
// in memory that does not grow with it. Feed the same values twice:
//
//   pass 1: a min-heap keeps the PROBE_TOPK largest |v| (exact, ties kept as
//           separate values), and |v|, rounded to float, is counted in a
//           histogram of its top 16 bits. A non-negative float's bit pattern
//           grows with its value, so the histogram's running sum finds the
//           bin that holds the median's rank;
//   pass 2: only values in that bin are counted, by their low 16 bits, which
//           pins the median's float bit pattern exactly (radix selection).
//
// median = the middle value for odd n, the mean of the two middle values for
// even n (numpy's convention), exact for float values (a double build's
// median is that of the values rounded to float). Non-finite values are
// counted apart and ignored. 512 KiB per statistic.
#define PROBE_TOPK 100
#define PROBE_HIST_BINS (1 << 15) // bit 31 of a non-negative float is 0
typedef struct {
    int pass;                // 1 or 2
    uint64_t n, n2;          // finite values seen in pass 1, pass 2
    uint64_t nonfinite;      // (pass 1)
    double heap[PROBE_TOPK]; // min-heap of the largest |v|
    int n_heap;
    uint64_t *hist;          // [65536]: pass 1 counts high bits (PROBE_HIST_BINS used), pass 2 low bits
    uint32_t bin_a, bin_b;   // high bits of the two middle values (pass 2)
    uint64_t rank_a, rank_b; // their ranks inside those bins
    uint32_t min_b;          // smallest bit pattern in bin_b when bin_b != bin_a
} AbsStats;

typedef struct {
    uint64_t n, nonfinite;
    double top1, top10, top100; // the 1st, 10th, 100th largest |value| (NaN when n < k)
    double median;              // of |value| (NaN when n = 0)
    double ratio;               // top1 / median
} AbsSummary;

int abs_stats_init(AbsStats *s); // 0, or -1 out of memory
void abs_stats_add(AbsStats *s, double v);
void abs_stats_next_pass(AbsStats *s); // after pass 1
// After pass 2: the summary. -1 if pass 2 saw a different number of values.
int abs_stats_finish(AbsStats *s, AbsSummary *out);
void abs_stats_free(AbsStats *s);
// Both passes over an array: x: [n]. 0, or -1 out of memory.
int abs_stats_of(const double *x, size_t n, AbsSummary *out);

// ------------------------------------------------------------ activation outliers

// Statistics of every window at offsets[0..windows) (each T tokens):
//   logits[l]  attention scores of layer l: every sub-head j of probe_logits,
//              every causal pair s <= t; logits[n_layer] all layers together
//   hidden[l]  the residual stream entering block l (x_in), l < n_layer;
//              hidden[n_layer] the output of the last block before norm_f;
//              hidden[n_layer + 1] all of these together
typedef struct {
    int n_layer, windows, T;
    AbsSummary *logits; // [n_layer + 1]
    AbsSummary *hidden; // [n_layer + 2]
} OutlierReport;

// Runs every window twice (the two passes of AbsStats). m's activations must
// hold B = 1 x T; tokens[offsets[i] + T - 1] must exist. 0 ok, -1 with a message.
int probe_outliers(Model *m, const int *tokens, int T, const size_t *offsets, int windows, OutlierReport *r,
                   char *err, size_t errlen);
void probe_outlier_report_free(OutlierReport *r);

#endif
