// info.c (command) — `difftx info`: what a checkpoint holds — configuration,
// where its parameters are, how far it was trained, optionally every tensor.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli/args.h"
#include "cli/cli.h"

enum { G_EMB, G_ATTN, G_LAMBDA, G_SUBLN, G_FFN, G_NORM, G_COUNT };
static const char *const group_names[G_COUNT] = {
    "embeddings (tok_emb, lm_head)", "attention (wq, wk, wv, wo)", "lambda vectors",
    "headwise norm (subln)", "feed-forward", "norms (norm1, norm2, norm_f)",
};

static int group_of(const char *name) {
    if (!strcmp(name, "tok_emb") || !strcmp(name, "lm_head")) return G_EMB;
    if (strstr(name, ".attn.lambda_")) return G_LAMBDA;
    if (strstr(name, ".attn.subln")) return G_SUBLN;
    if (strstr(name, ".attn.")) return G_ATTN;
    if (strstr(name, ".ffn.")) return G_FFN;
    return G_NORM;
}

// 1234567 -> "1,234,567"
static const char *grouped(size_t x, char *buf, size_t len) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", x), o = 0;
    for (int i = 0; i < n && o + 2 < (int)len; i++) {
        if (i && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}

static double dot(const real *a, const real *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

static void print_config(const Model *m, const Vocab *v) {
    const ModelConfig *c = &m->cfg;
    printf("configuration\n");
    printf("  %-12s %s\n", "attn", attn_names[c->attn]);
    printf("  %-12s %s\n", "pos", pos_names[c->pos]);
    printf("  %-12s %s\n", "norm", norm_names[c->norm]);
    printf("  %-12s %s\n", "ffn", ffn_names[c->ffn]);
    printf("  %-12s %d%s\n", "ffn_hidden", c->ffn_hidden,
           c->ffn_hidden == model_default_ffn_hidden(c->ffn, c->n_embd) ? " (default)" : "");
    if (c->no_subln) printf("  %-12s yes (ablation: no headwise norm; not SPEC's model)\n", "no_subln");
    printf("  %-12s %g\n", "norm_eps", c->norm_eps);
    printf("  %-12s %g\n", "rope_base", c->rope_base);
    printf("  %-12s %d\n", "vocab_size", c->vocab_size);
    printf("  %-12s %d\n", "block_size", c->block_size);
    printf("  %-12s %d\n", "n_layer", c->n_layer);
    if (c->attn == ATTN_DIFFERENTIAL)
        printf("  %-12s %d (%d differential heads of 2 x %d)\n", "n_head", c->n_head, c->n_head / 2, m->d);
    else
        printf("  %-12s %d (head width %d)\n", "n_head", c->n_head, m->d);
    printf("  %-12s %d\n", "n_embd", c->n_embd);
    // The vocabulary, printable bytes as themselves.
    printf("  %-12s \"", "vocabulary");
    for (int i = 0; i < v->size; i++) {
        unsigned char b = v->itos[i];
        if (b == '\n') printf("\\n");
        else if (b == '\t') printf("\\t");
        else if (b == '"' || b == '\\') printf("\\%c", b);
        else if (b >= 0x20 && b < 0x7F) putchar(b);
        else printf("\\x%02X", b);
    }
    printf("\"\n");
}

static void print_params(const Model *m) {
    size_t count[G_COUNT] = {0};
    for (int i = 0; i < m->n_tensors; i++) count[group_of(m->tensors[i].name)] += m->tensors[i].size;
    char buf[32];
    printf("\nparameters: %s (%.2f MB as F32)\n", grouped(m->n_params, buf, sizeof buf), m->n_params * 4.0 / 1e6);
    for (int g = 0; g < G_COUNT; g++) {
        if (!count[g]) continue;
        printf("  %-30s %12s  %5.1f%%\n", group_names[g], grouped(count[g], buf, sizeof buf),
               100.0 * (double)count[g] / (double)m->n_params);
    }
}

// lambda = exp(lq1 . lk1) - exp(lq2 . lk2) + lambda_init, one scalar per layer.
static void print_lambdas(const Model *m) {
    if (m->cfg.attn != ATTN_DIFFERENTIAL) return;
    printf("\ndifferential attention lambda by layer (lambda_init = 0.8 - 0.6 exp(-0.3 l))\n");
    printf("  %5s %12s %12s\n", "layer", "lambda_init", "lambda");
    for (int l = 0; l < m->cfg.n_layer; l++) {
        const BlockParams *p = &m->p.blocks[l];
        double init = 0.8 - 0.6 * exp(-0.3 * l);
        double lam = exp(dot(p->lambda_q1, p->lambda_k1, m->d)) - exp(dot(p->lambda_q2, p->lambda_k2, m->d)) + init;
        printf("  %5d %12.4f %12.4f\n", l, init, lam);
    }
}

static void print_training(const TrainState *ts, int have_optimizer) {
    printf("\ntraining\n");
    printf("  %-14s %ld\n", "step", ts->iter);
    if (!ts->present) {
        printf("  %-14s none (model only; cannot resume)\n", "resume state");
        return;
    }
    printf("  %-14s %s\n", "resume state", have_optimizer ? "yes (AdamW moments and sampler state)" : "no");
    printf("  %-14s %ld\n", "max_iters", ts->max_iters);
    printf("  %-14s %d\n", "batch", ts->batch);
    printf("  %-14s %g -> %g (warmup %ld)\n", "lr", ts->lr, ts->min_lr, ts->warmup);
    printf("  %-14s %g\n", "weight_decay", ts->weight_decay);
    printf("  %-14s %lu\n", "seed", (unsigned long)ts->seed);
    if (isfinite(ts->last_val)) printf("  %-14s %.4f\n", "last val loss", ts->last_val);
    else printf("  %-14s none yet\n", "last val loss");
    printf("  %-14s %.1f s\n", "time trained", ts->elapsed);
}

static void print_tensors(const Model *m) {
    printf("\ntensors (F32)\n");
    char shape[32], buf[32];
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *t = &m->tensors[i];
        if (t->ndim == 1) snprintf(shape, sizeof shape, "[%d]", t->shape[0]);
        else snprintf(shape, sizeof shape, "[%d, %d]", t->shape[0], t->shape[1]);
        printf("  %-32s %-12s %10s\n", t->name, shape, grouped(t->size, buf, sizeof buf));
    }
    printf("  %-32s [%d] U8\n", "tokenizer.vocab", m->cfg.vocab_size);
}

int cmd_info(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *model = NULL;
    int tensors = 0;
    ArgSpec specs[] = {
        {"model", ARG_STRING, &model, 0, 0, NULL, "checkpoint to describe (required)", 0},
        {"tensors", ARG_FLAG, &tensors, 0, 0, NULL, "also list every tensor with its shape", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);
    int rc = args_parse("info", "--model FILE [--tensors]", argc, argv, specs, ns);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;
    if (!model) {
        fprintf(stderr, "difftx info: --model FILE is required\n");
        return EXIT_USAGE;
    }
    char err[512];
    Model m;
    Vocab v;
    TrainState ts;
    real *am = NULL, *av = NULL;
    if (checkpoint_load(model, &m, &v, &am, &av, &ts, err, sizeof err)) {
        fprintf(stderr, "difftx info: %s\n", err);
        return 1;
    }
    printf("%s: difftx checkpoint, %s transformer\n\n", model,
           m.cfg.attn == ATTN_DIFFERENTIAL ? "differential" : "standard");
    print_config(&m, &v);
    print_params(&m);
    print_lambdas(&m);
    print_training(&ts, am != NULL);
    if (tensors) print_tensors(&m);
    free(am), free(av), model_free(&m);
    return 0;
}
