// needle.c — retrieval accuracy and attention allocation on
// needle-in-a-haystack lines (the format of data/needle.c).
//
// The Differential Transformer paper argues that softmax attention spreads
// weight over irrelevant context ("attention noise") and that subtracting a
// second map cancels it. This measures both effects on one task:
//
//   accuracy      greedy decoding after '?key:' reproduces the value exactly
//   answer share  sum_j a_j over the needle's value in the context
//   noise share   sum_j a_j over the filler (not a needle, not the query)
//
// where a is the attention row of the query's ':' (the position whose output
// predicts the first answer character), for the last layer and averaged
// over layers, averaged over heads and lines. For differential attention a
// is the effective map (A1 - lambda A2) / (1 - lambda): each row of A1 - lambda A2
// sums to 1 - lambda, and dividing by it puts the shares on a softmax row's
// scale (summing to 1).
#include "experiments/needle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/diffattn.h"
#include "sample.h"

static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// The next needle [a-z]+ ':' [0-9]+ of line[0, end) whose ':' is at or after
// *from: its key is line[*ks, *c), its value line[*c + 1, *ve). Returns 0 when
// there is none; *from moves past it.
static int next_needle(const unsigned char *line, size_t end, size_t *from, size_t *ks, size_t *c, size_t *ve) {
    for (size_t i = *from; i < end; i++) {
        if (line[i] != ':') continue;
        size_t k = i, v = i + 1;
        while (k > 0 && is_lower(line[k - 1])) k--;
        while (v < end && is_digit(line[v])) v++;
        if (k < i && v > i + 1) {
            *ks = k, *c = i, *ve = v, *from = v;
            return 1;
        }
    }
    return 0;
}

static int same_key(const unsigned char *line, size_t ks, size_t c, const NeedleLine *q) {
    return c - ks == q->key_len && !memcmp(line + ks, line + q->qmark + 1, q->key_len);
}

int needle_parse_line(const unsigned char *line, size_t n, NeedleLine *q, char *err, size_t errlen) {
    memset(q, 0, sizeof *q);
    size_t qm = n;
    for (size_t i = n; i-- > 0;)
        if (line[i] == '?') {
            qm = i;
            break;
        }
    if (qm == n) {
        snprintf(err, errlen, "no query: expected '?key:value' at the end of the line");
        return -1;
    }
    size_t c = qm + 1;
    while (c < n && is_lower(line[c])) c++;
    if (c == qm + 1 || c == n || line[c] != ':') {
        snprintf(err, errlen, "the query at offset %zu is not '?' then a lowercase key then ':'", qm);
        return -1;
    }
    if (c + 1 == n) {
        snprintf(err, errlen, "no answer after the query's ':' at offset %zu", c);
        return -1;
    }
    q->qmark = qm, q->colon = c, q->key_len = c - qm - 1, q->value_len = n - c - 1;
    size_t from = 0, ks, nc, ve;
    while (next_needle(line, qm, &from, &ks, &nc, &ve)) {
        q->n_needles++;
        q->n_answers += same_key(line, ks, nc, q);
    }
    if (!q->n_answers) {
        snprintf(err, errlen, "the query's key '%.*s' is not in the context (no '%.*s:' followed by digits)",
                 (int)q->key_len, (const char *)line + qm + 1, (int)q->key_len, (const char *)line + qm + 1);
        return -1;
    }
    return 0;
}

void needle_label(const unsigned char *line, const NeedleLine *q, unsigned char *label) {
    memset(label, NEEDLE_NOISE, q->qmark);
    size_t from = 0, ks, c, ve;
    while (next_needle(line, q->qmark, &from, &ks, &c, &ve)) {
        memset(label + ks, NEEDLE_OTHER, c + 1 - ks); // key and ':'
        memset(label + c + 1, same_key(line, ks, c, q) ? NEEDLE_ANSWER : NEEDLE_OTHER, ve - c - 1);
    }
    memset(label + q->qmark, NEEDLE_QUERY, q->colon + 1 - q->qmark);
}

void needle_row_shares(const real *row, const unsigned char *label, int n, double *answer, double *noise) {
    double a = 0, z = 0;
    for (int j = 0; j < n; j++) {
        if (label[j] == NEEDLE_ANSWER) a += (double)row[j];
        else if (label[j] == NEEDLE_NOISE) z += (double)row[j];
    }
    *answer = a, *noise = z;
}

void needle_diff_row(real *out, const real *a1, const real *a2, real lambda, int n) {
    // a1 - lambda a2 in the build's precision, as diffattn_forward forms it
    const double norm = 1.0 / (1.0 - (double)lambda);
    for (int j = 0; j < n; j++) out[j] = (real)((double)(a1[j] - lambda * a2[j]) * norm);
}

void needle_attention(const Model *m, const unsigned char *label, real *row, double *answer_last,
                      double *noise_last, double *answer_layers, double *noise_layers) {
    const ModelConfig *c = &m->cfg;
    const int T = m->T, diff = c->attn == ATTN_DIFFERENTIAL, heads = diff ? c->n_head / 2 : c->n_head;
    double a_all = 0, z_all = 0;
    for (int l = 0; l < c->n_layer; l++) {
        const BlockActs *a = &m->layer[l];
        const BlockParams *p = &m->p.blocks[l];
        // lambda exactly as diffattn_forward computes it for this layer
        const real lambda = diff ? (real)diffattn_lambda(p->lambda_q1, p->lambda_k1, p->lambda_q2, p->lambda_k2,
                                                         m->d, lambda_init_at(l))
                                 : 0;
        double a_l = 0, z_l = 0;
        for (int h = 0; h < heads; h++) {
            // att: [B, heads, T, T]; batch row 0, head h, query position T - 1
            const size_t off = ((size_t)h * T + (size_t)(T - 1)) * T;
            const real *r = a->att + off;
            if (diff) needle_diff_row(row, r, a->att2 + off, lambda, T), r = row;
            double sa, sz;
            needle_row_shares(r, label, T, &sa, &sz);
            a_l += sa, z_l += sz;
        }
        a_l /= heads, z_l /= heads;
        if (l == c->n_layer - 1) *answer_last = a_l, *noise_last = z_l;
        a_all += a_l, z_all += z_l;
    }
    *answer_layers = a_all / c->n_layer, *noise_layers = z_all / c->n_layer;
}

int needle_score_text(Model *m, const Vocab *v, const unsigned char *text, const int *tokens, size_t len,
                      NeedleTally *t, char *err, size_t errlen) {
    const int T = m->cfg.block_size, V = m->cfg.vocab_size, nl = v->stoi['\n'];
    if (m->B_max < 1 || m->T_max < T) {
        snprintf(err, errlen, "needle: activations are allocated for %d x %d, need 1 x %d (block_size)", m->B_max,
                 m->T_max, T);
        return -1;
    }
    size_t longest = 0; // the label buffer holds a whole prompt
    for (size_t s = 0, e; s < len; s = e + 1) {
        for (e = s; e < len && text[e] != '\n';) e++;
        if (e - s > longest) longest = e - s;
    }
    int *ctx = malloc((size_t)T * sizeof(int));
    unsigned char *label = malloc(longest + 2), *wlabel = malloc((size_t)T);
    real *row = malloc((size_t)T * sizeof(real)), *scratch = malloc((size_t)V * sizeof(real));
    int rc = -1;
    if (!ctx || !label || !wlabel || !row || !scratch) {
        snprintf(err, errlen, "out of memory for lines of %zu bytes", longest);
        goto done;
    }
    long lineno = 0;
    for (size_t s = 0, e; s < len; s = e + 1) {
        for (e = s; e < len && text[e] != '\n';) e++;
        lineno++;
        NeedleLine q;
        char why[200];
        if (needle_parse_line(text + s, e - s, &q, why, sizeof why)) {
            snprintf(err, errlen, "line %ld: %s", lineno, why);
            goto done;
        }
        // prompt: ['\n'] line[0, colon]; labels shifted by the newline
        const int pre = nl >= 0;
        const size_t P = q.colon + 1 + (size_t)pre;
        label[0] = NEEDLE_NOISE;
        needle_label(text + s, &q, label + pre);
        const int W = P < (size_t)T ? (int)P : T;
        const size_t first = P - (size_t)W; // the window is prompt[first, P)
        for (int i = 0; i < W; i++) {
            const size_t k = first + (size_t)i; // index in the prompt
            ctx[i] = pre && k == 0 ? nl : tokens[s + k - (size_t)pre];
            wlabel[i] = label[k];
        }
        // greedy decoding; the attention is read after the first forward pass
        int n = W, ok = 1;
        for (size_t step = 0; step < q.value_len && ok; step++) {
            model_forward(m, ctx, NULL, 1, n);
            if (step == 0) {
                double al, zl, aa, za;
                needle_attention(m, wlabel, row, &al, &zl, &aa, &za);
                t->answer_last += al, t->noise_last += zl, t->answer_layers += aa, t->noise_layers += za;
            }
            const int next = sample_next(m->logits + (size_t)(n - 1) * V, V, 0, 0, NULL, scratch);
            ok = v->itos[next] == text[s + q.colon + 1 + step];
            if (n == T) memmove(ctx, ctx + 1, (size_t)(T - 1) * sizeof(int)), n--;
            ctx[n++] = next;
        }
        t->n++, t->correct += ok;
    }
    rc = 0;
done:
    free(ctx), free(label), free(wlabel), free(row), free(scratch);
    return rc;
}
