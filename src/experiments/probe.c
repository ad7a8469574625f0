// probe.c — attention maps and activation statistics read from a forward
// pass's saved activations (see probe.h).
//
// Nothing here changes the model: maps are copies of the saved softmax rows
// (att, att2), lambda is recomputed by the layer's own diffattn_lambda, and
// the pre-softmax scores are recomputed from the saved post-rotary q and k,
//   s[t, s'] = <q_t, k_s'> / sqrt(d),   s' <= t,
// which is what the causal softmax turned into each row:
//   A[t, s'] = exp(s[t, s'] - max_r s[t, r]) / sum_r exp(s[t, r] - max_r s[t, r]).
#include "experiments/probe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "layers/diffattn.h"
#include "rng.h"

// ------------------------------------------------------------ attention maps

int probe_n_heads(const Model *m) {
    return m->cfg.attn == ATTN_DIFFERENTIAL ? m->cfg.n_head / 2 : m->cfg.n_head;
}

double probe_lambda(const Model *m, int layer) {
    const BlockParams *p = &m->p.blocks[layer];
    return (double)(real)diffattn_lambda(p->lambda_q1, p->lambda_k1, p->lambda_q2, p->lambda_k2, m->d,
                                         lambda_init_at(layer));
}

// out: [T,T]
void probe_attn_map(const Model *m, int layer, int head, ProbeMap which, int b, double *out) {
    const int T = m->T, nh = probe_n_heads(m);
    const BlockActs *a = &m->layer[layer];
    const size_t at = ((size_t)b * nh + head) * T * T; // [B,nh,T,T]: this head's row 0
    const real *a1 = a->att + at, *a2 = which == PROBE_A ? NULL : a->att2 + at;
    const double lambda = which == PROBE_ADIFF ? probe_lambda(m, layer) : 0;
    for (int t = 0; t < T; t++)
        for (int s = 0; s < T; s++) {
            const size_t i = (size_t)t * T + s;
            double v = 0;
            if (s <= t) {
                if (which == PROBE_A || which == PROBE_A1) v = a1[i];
                else if (which == PROBE_A2) v = a2[i];
                else v = (double)a1[i] - lambda * (double)a2[i];
            }
            out[i] = v;
        }
}

// out: [T,T]
void probe_logits(const Model *m, int layer, int j, int b, double *out) {
    const int T = m->T, C = m->cfg.n_embd, d = m->d;
    const BlockActs *a = &m->layer[layer];
    const real *q = a->q + (size_t)b * T * C + (size_t)j * d, *k = a->k + (size_t)b * T * C + (size_t)j * d;
    const double scale = 1.0 / sqrt((double)d);
    for (int t = 0; t < T; t++) {
        const real *qt = q + (size_t)t * C;
        for (int s = 0; s < T; s++) {
            double dot = 0;
            if (s <= t) {
                const real *ks = k + (size_t)s * C;
                for (int i = 0; i < d; i++) dot += (double)qt[i] * (double)ks[i];
            }
            out[(size_t)t * T + s] = dot * scale;
        }
    }
}

// map: [T,T]
void probe_map_stats(const double *map, int T, MapStats *st) {
    double self = 0, entropy = 0, uniform = 0, top1 = 0, row_sum = 0;
    size_t negative = 0;
    for (int t = 0; t < T; t++) {
        const double *row = map + (size_t)t * T;
        double sum = 0, mass = 0, biggest = 0;
        for (int s = 0; s <= t; s++) {
            sum += row[s];
            mass += fabs(row[s]);
            biggest = fmax(biggest, fabs(row[s]));
            negative += row[s] < 0;
        }
        // H = -sum p ln p over p = |M[t,s]| / mass; 0 ln 0 = 0
        double h = 0;
        for (int s = 0; mass > 0 && s <= t; s++) {
            double pr = fabs(row[s]) / mass;
            if (pr > 0) h -= pr * log(pr);
        }
        self += row[t], entropy += h, uniform += log(t + 1.0), row_sum += sum;
        top1 += mass > 0 ? biggest / mass : 0;
    }
    *st = (MapStats){.self = self / T,
                     .entropy = entropy / T,
                     .uniform = uniform / T,
                     .top1 = top1 / T,
                     .negative = (double)negative / ((double)T * (T + 1) / 2),
                     .row_sum = row_sum / T};
}

// ------------------------------------------------------------ |value| statistics

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}
static float bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

int abs_stats_init(AbsStats *s) {
    memset(s, 0, sizeof *s);
    s->pass = 1;
    s->hist = calloc(1 << 16, sizeof *s->hist);
    return s->hist ? 0 : -1;
}

void abs_stats_free(AbsStats *s) {
    free(s->hist);
    s->hist = NULL;
}

// The min-heap keeps the PROBE_TOPK largest values seen: its root is the
// smallest of them, the one a larger newcomer replaces. O(log k) per value.
static void heap_offer(AbsStats *s, double a) {
    double *h = s->heap;
    int i;
    if (s->n_heap < PROBE_TOPK) {
        for (i = s->n_heap++; i > 0 && h[(i - 1) / 2] > a; i = (i - 1) / 2) h[i] = h[(i - 1) / 2]; // sift up
        h[i] = a;
        return;
    }
    if (!(a > h[0])) return;
    for (i = 0;;) { // sift down from the root
        int c = 2 * i + 1;
        if (c >= PROBE_TOPK) break;
        if (c + 1 < PROBE_TOPK && h[c + 1] < h[c]) c++;
        if (!(h[c] < a)) break;
        h[i] = h[c], i = c;
    }
    h[i] = a;
}

void abs_stats_add(AbsStats *s, double v) {
    const double a = fabs(v);
    const float f = (float)a;
    if (!isfinite(a) || !isfinite(f)) { // (a double beyond FLT_MAX counts as non-finite)
        if (s->pass == 1) s->nonfinite++;
        return;
    }
    const uint32_t u = float_bits(f);
    if (s->pass == 1) {
        s->n++;
        s->hist[u >> 16]++;
        heap_offer(s, a);
    } else {
        s->n2++;
        if (u >> 16 == s->bin_a) s->hist[u & 0xffff]++;
        else if (u >> 16 == s->bin_b && u < s->min_b) s->min_b = u;
    }
}

// The two middle ranks (0-based, ascending) are (n-1)/2 and n/2: equal for
// odd n. Walk the high-bits histogram to the bins that hold them.
void abs_stats_next_pass(AbsStats *s) {
    s->bin_a = s->bin_b = UINT32_MAX; // no bin: nothing to find when n = 0
    const uint64_t ra = s->n ? (s->n - 1) / 2 : 0, rb = s->n / 2;
    uint64_t below = 0;
    for (uint32_t bin = 0; s->n && bin < PROBE_HIST_BINS; bin++) {
        const uint64_t c = s->hist[bin];
        if (s->bin_a == UINT32_MAX && ra < below + c) s->bin_a = bin, s->rank_a = ra - below;
        if (rb < below + c) {
            s->bin_b = bin, s->rank_b = rb - below;
            break;
        }
        below += c;
    }
    memset(s->hist, 0, (1 << 16) * sizeof *s->hist);
    s->min_b = UINT32_MAX;
    s->pass = 2;
}

// The low 16 bits of the value of rank r inside bin_a (pass 2's histogram).
static uint32_t low_bits_at(const AbsStats *s, uint64_t r) {
    uint64_t below = 0;
    uint32_t lo = 0;
    for (; lo < 0xffff; lo++) {
        if (r < below + s->hist[lo]) break;
        below += s->hist[lo];
    }
    return lo;
}

static int descending(const void *x, const void *y) {
    const double a = *(const double *)x, b = *(const double *)y;
    return (a < b) - (a > b);
}

int abs_stats_finish(AbsStats *s, AbsSummary *out) {
    double top[PROBE_TOPK];
    memcpy(top, s->heap, (size_t)s->n_heap * sizeof(double));
    qsort(top, (size_t)s->n_heap, sizeof(double), descending);
    const int ks[3] = {1, 10, 100};
    double tk[3];
    for (int i = 0; i < 3; i++) tk[i] = ks[i] <= s->n_heap ? top[ks[i] - 1] : NAN;
    double median = NAN;
    if (s->n) {
        // The lower middle value is in bin_a. The upper one is in bin_a too,
        // or, when the middle straddles two bins, the smallest in bin_b.
        const uint32_t ua = s->bin_a << 16 | low_bits_at(s, s->rank_a);
        const uint32_t ub = s->bin_b == s->bin_a ? s->bin_a << 16 | low_bits_at(s, s->rank_b) : s->min_b;
        median = 0.5 * ((double)bits_float(ua) + (double)bits_float(ub));
    }
    *out = (AbsSummary){.n = s->n, .nonfinite = s->nonfinite, .top1 = tk[0], .top10 = tk[1], .top100 = tk[2],
                        .median = median, .ratio = tk[0] / median};
    return s->n2 == s->n ? 0 : -1;
}

int abs_stats_of(const double *x, size_t n, AbsSummary *out) {
    AbsStats s;
    if (abs_stats_init(&s)) return -1;
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < n; i++) abs_stats_add(&s, x[i]);
        if (pass == 1) abs_stats_next_pass(&s);
    }
    int rc = abs_stats_finish(&s, out);
    abs_stats_free(&s);
    return rc;
}

// ------------------------------------------------------------ activation outliers

void probe_outlier_report_free(OutlierReport *r) {
    free(r->logits), free(r->hidden);
    memset(r, 0, sizeof *r);
}

int probe_outliers(Model *m, const int *tokens, int T, const size_t *offsets, int windows, OutlierReport *r,
                   char *err, size_t errlen) {
    const int L = m->cfg.n_layer, H = m->cfg.n_head, C = m->cfg.n_embd;
    const int nl = L + 1, nh = L + 2; // logit statistics (per layer, all); hidden (per block input, final, all)
    memset(r, 0, sizeof *r);
    if (!m->acts || m->B_max < 1 || T < 1 || T > m->T_max) {
        snprintf(err, errlen, "activations for a window of %d tokens are not allocated (have %d x %d)", T, m->B_max,
                 m->T_max);
        return -1;
    }
    r->n_layer = L, r->windows = windows, r->T = T;
    r->logits = calloc((size_t)nl, sizeof *r->logits);
    r->hidden = calloc((size_t)nh, sizeof *r->hidden);
    AbsStats *st = calloc((size_t)(nl + nh), sizeof *st);
    double *scores = malloc((size_t)T * T * sizeof *scores);
    int ok = r->logits && r->hidden && st && scores, rc = -1;
    for (int i = 0; ok && i < nl + nh; i++) ok = !abs_stats_init(&st[i]);
    if (!ok) {
        snprintf(err, errlen, "out of memory for the outlier statistics (%d x 512 KiB)", nl + nh);
        goto done;
    }
    AbsStats *lg = st, *hs = st + nl;
    // Every value goes to its layer's statistic and to the pooled one.
    for (int pass = 1; pass <= 2; pass++) {
        for (int w = 0; w < windows; w++) {
            model_forward(m, tokens + offsets[w], NULL, 1, T);
            for (int l = 0; l < L; l++)
                for (int j = 0; j < H; j++) {
                    probe_logits(m, l, j, 0, scores);
                    for (int t = 0; t < T; t++)
                        for (int s = 0; s <= t; s++) {
                            const double v = scores[(size_t)t * T + s];
                            abs_stats_add(&lg[l], v), abs_stats_add(&lg[L], v);
                        }
                }
            for (int l = 0; l <= L; l++) {
                const real *x = l < L ? m->layer[l].x_in : m->x_out; // [T,C]
                for (size_t i = 0; i < (size_t)T * C; i++) abs_stats_add(&hs[l], x[i]), abs_stats_add(&hs[L + 1], x[i]);
            }
        }
        for (int i = 0; pass == 1 && i < nl + nh; i++) abs_stats_next_pass(&st[i]);
    }
    rc = 0;
    for (int i = 0; i < nl; i++) rc |= abs_stats_finish(&lg[i], &r->logits[i]);
    for (int i = 0; i < nh; i++) rc |= abs_stats_finish(&hs[i], &r->hidden[i]);
    if (rc) snprintf(err, errlen, "the second pass over the windows saw other values than the first");
done:
    for (int i = 0; st && i < nl + nh; i++) abs_stats_free(&st[i]);
    free(st), free(scores);
    if (rc) probe_outlier_report_free(r);
    return rc;
}
