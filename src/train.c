// train.c — the training loop.
//
// Each iteration: sample B random windows from the training split, forward
// with targets (the loss), backward (the gradients), clip the global gradient
// norm to 1, set the learning rate (linear warmup, then cosine decay), and
// take one AdamW step. Every eval_every iterations the validation loss is
// averaged over eval_iters batches drawn from a generator seeded the same way
// each time, so successive evaluations see the same windows and the curve
// shows the model changing, not the sample.
//
// A checkpoint holds the model, AdamW's moments, the batch generator's state
// and the iteration count, so a resumed run continues exactly as if it had
// never stopped.
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "data.h"
#include "io/svg.h"
#include "optim.h"
#include "rng.h"

int train_preset(const char *name, TrainOptions *o) {
    ModelConfig c = model_config_default();
    if (!strcmp(name, "tiny")) {
        c.n_layer = 2, c.n_head = 4, c.n_embd = 32, c.block_size = 32;
        o->batch = 8, o->max_iters = 200, o->lr = 3e-3, o->min_lr = 3e-4, o->warmup = 20;
        o->eval_every = 50, o->eval_iters = 10;
    } else if (!strcmp(name, "baby")) {
        // nanoGPT's CPU configuration
        c.n_layer = 4, c.n_head = 4, c.n_embd = 128, c.block_size = 64;
        o->batch = 12, o->max_iters = 2000, o->lr = 1e-3, o->min_lr = 1e-4, o->warmup = 100;
        o->eval_every = 250, o->eval_iters = 200;
    } else if (!strcmp(name, "laptop")) {
        c.n_layer = 4, c.n_head = 8, c.n_embd = 192, c.block_size = 128;
        o->batch = 16, o->max_iters = 3000, o->lr = 1e-3, o->min_lr = 1e-4, o->warmup = 100;
        o->eval_every = 250, o->eval_iters = 100;
    } else {
        return -1;
    }
    c.attn = o->cfg.attn, c.pos = o->cfg.pos, c.norm = o->cfg.norm, c.ffn = o->cfg.ffn;
    c.ffn_hidden = 0;
    o->cfg = c;
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fmt_duration(char *buf, size_t n, double s) {
    if (!(s >= 0) || s > 1e7) snprintf(buf, n, "--");
    else if (s >= 3600) snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, n, "%.0fs", s);
}

// Mean loss over n_batches batches from a generator seeded with `seed`.
static double estimate_loss(Model *m, const int *tokens, size_t n, int B, int T, long n_batches, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    double sum = 0;
    for (long i = 0; i < n_batches; i++) {
        data_sample_batch(&r, tokens, n, B, T, m->inputs, m->targets);
        sum += model_forward(m, m->inputs, m->targets, B, T);
    }
    return n_batches ? sum / n_batches : NAN;
}

// Replaces the extension of path (".safetensors") with ext.
static void sibling_path(char *buf, size_t n, const char *path, const char *ext) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : strlen(path);
    snprintf(buf, n, "%.*s%s", (int)stem, path, ext);
}

// Reads the CSV log back (iteration, train, val columns) and draws it.
static void plot_log(const char *csv, const char *svg) {
    FILE *f = fopen(csv, "r");
    if (!f) return;
    size_t cap = 1024, n = 0, nv = 0;
    double *it = malloc(cap * sizeof(double)), *tr = malloc(cap * sizeof(double));
    double *vit = malloc(cap * sizeof(double)), *va = malloc(cap * sizeof(double));
    char line[512];
    while (it && tr && vit && va && fgets(line, sizeof line, f)) {
        double a, b, c;
        char vbuf[64] = "";
        if (sscanf(line, "%lf,%lf,%63[^,]", &a, &b, vbuf) < 2) continue; // header
        if (n == cap || nv == cap) {
            cap *= 2;
            double **arrs[4] = {&it, &tr, &vit, &va};
            for (int k = 0; k < 4; k++) {
                double *p = realloc(*arrs[k], cap * sizeof(double));
                if (!p) goto done;
                *arrs[k] = p;
            }
        }
        it[n] = a, tr[n] = b, n++;
        if (sscanf(vbuf, "%lf", &c) == 1) vit[nv] = a, va[nv] = c, nv++;
    }
    SvgSeries s[2] = {{"train", it, tr, (int)n, NULL, NULL}, {"val", vit, va, (int)nv, NULL, NULL}};
    char err[256];
    svg_lineplot(svg, "Loss", "iteration", "cross-entropy (nats)", s, 2, err, sizeof err);
done:
    fclose(f);
    free(it), free(tr), free(vit), free(va);
}

int train_run(const TrainOptions *o, TrainResult *res, char *err, size_t errlen) {
    unsigned char *text = NULL;
    size_t n_text = 0;
    int *tokens = NULL, rc = 1;
    real *am = NULL, *av = NULL;
    Model m;
    memset(&m, 0, sizeof m);
    Vocab vocab;
    TrainState ts;
    memset(&ts, 0, sizeof ts);
    memset(res, 0, sizeof *res);
    FILE *csv = NULL;
    char csv_path[1024], svg_path[1024];
    sibling_path(csv_path, sizeof csv_path, o->out, ".csv");
    sibling_path(svg_path, sizeof svg_path, o->out, ".svg");

    if (data_load_text(o->data, &text, &n_text, err, errlen)) return 1;
    TrainOptions opt = *o;
    if (o->resume) {
        if (checkpoint_load(o->resume, &m, &vocab, &am, &av, &ts, err, errlen)) goto done;
        if (!ts.present) {
            snprintf(err, errlen, "%s: holds a model but no training state (optimizer moments); it cannot be resumed",
                     o->resume);
            goto done;
        }
        // The run continues with its own settings; only how long it runs
        // (and how often it reports and saves) may change.
        opt.cfg = m.cfg;
        opt.batch = ts.batch, opt.lr = ts.lr, opt.min_lr = ts.min_lr, opt.warmup = ts.warmup;
        opt.weight_decay = ts.weight_decay, opt.seed = ts.seed, opt.eval_iters = ts.eval_iters;
        if (opt.max_iters <= 0) opt.max_iters = ts.max_iters;
    } else {
        vocab_build(&vocab, text, n_text);
        opt.cfg.vocab_size = vocab.size;
        if (!opt.cfg.ffn_hidden) opt.cfg.ffn_hidden = model_default_ffn_hidden(opt.cfg.ffn, opt.cfg.n_embd);
        if (model_create(&m, &opt.cfg, err, errlen)) goto done;
        model_init_weights(&m, opt.seed);
        am = calloc(m.n_params, sizeof(real));
        av = calloc(m.n_params, sizeof(real));
        if (!am || !av) {
            snprintf(err, errlen, "out of memory for the optimizer state");
            goto done;
        }
    }
    const int B = opt.batch, T = opt.cfg.block_size;
    tokens = malloc(n_text * sizeof(int));
    size_t bad = 0;
    if (!tokens) {
        snprintf(err, errlen, "out of memory encoding %s", o->data);
        goto done;
    }
    if (vocab_encode(&vocab, text, n_text, tokens, &bad)) {
        char b[32];
        vocab_describe_byte(text[bad], b, sizeof b);
        snprintf(err, errlen, "%s: byte %s at offset %zu is not in the model's vocabulary", o->data, b, bad);
        goto done;
    }
    const size_t n_train = data_split_point(n_text), n_val = n_text - n_train;
    if (n_train < (size_t)T + 1 || n_val < (size_t)T + 1) {
        snprintf(err, errlen,
                 "%s: %zu bytes is too short: both the 90%% train and 10%% val parts need at least block_size + 1 = %d",
                 o->data, n_text, T + 1);
        goto done;
    }
    const int *train_tok = tokens, *val_tok = tokens + n_train;
    if (model_alloc_acts(&m, B, T, err, errlen)) goto done;
#ifdef _OPENMP
    if (opt.threads > 0) omp_set_num_threads(opt.threads);
#endif

    Rng rng;
    long start = 0;
    double last_val = NAN, elapsed0 = 0;
    if (ts.present) {
        rng.state = ts.rng, start = ts.iter, last_val = ts.last_val, elapsed0 = ts.elapsed;
    } else {
        rng_seed(&rng, opt.seed);
    }
    csv = fopen(csv_path, start ? "a" : "w");
    if (!csv) {
        snprintf(err, errlen, "%s: cannot write the training log", csv_path);
        goto done;
    }
    if (!start) fprintf(csv, "iter,train_loss,val_loss,lr,tokens_per_s\n");

    const int tty = isatty(STDOUT_FILENO);
    AdamWConfig ac = {.lr = opt.lr, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = opt.weight_decay};
    if (!opt.quiet)
        printf("training %s/%s/%s/%s: %d layers, %d heads, n_embd %d, block %d, batch %d, %zu parameters, %ld "
               "iterations\n",
               attn_names[m.cfg.attn], pos_names[m.cfg.pos], norm_names[m.cfg.norm], ffn_names[m.cfg.ffn],
               m.cfg.n_layer, m.cfg.n_head, m.cfg.n_embd, T, B, m.n_params, opt.max_iters);
    const double t0 = now();
    double tps = 0, loss = NAN;
    long it = start;
    const long end = opt.stop_after > 0 && opt.stop_after < opt.max_iters ? opt.stop_after : opt.max_iters;
    for (; it < end; it++) {
        int eval_now = opt.eval_every > 0 && (it % opt.eval_every == 0 || it == opt.max_iters - 1);
        if (eval_now) last_val = estimate_loss(&m, val_tok, n_val, B, T, opt.eval_iters, opt.seed + 0x5EED);
        double ts0 = now();
        data_sample_batch(&rng, train_tok, n_train, B, T, m.inputs, m.targets);
        loss = model_forward(&m, m.inputs, m.targets, B, T);
        model_zero_grad(&m);
        model_backward(&m);
        double norm = grad_global_norm(m.grads, m.n_params);
        if (!isfinite(loss) || !isfinite(norm)) {
            snprintf(err, errlen, "iteration %ld: the %s is not finite; stopping (the last checkpoint is kept)", it,
                     isfinite(loss) ? "gradient" : "loss");
            goto done;
        }
        clip_grad_norm(m.grads, m.n_params, norm, opt.grad_clip);
        double lr = lr_schedule(it, opt.warmup, opt.max_iters, opt.lr, opt.min_lr);
        ac.lr = lr;
        for (int i = 0; i < m.n_tensors; i++) {
            const ParamTensor *t = &m.tensors[i];
            adamw_update(m.params + t->offset, m.grads + t->offset, am + t->offset, av + t->offset, t->size, &ac,
                         it + 1, t->decay);
        }
        double dt = now() - ts0;
        double inst = (double)B * T / dt;
        tps = tps > 0 ? 0.9 * tps + 0.1 * inst : inst;
        fprintf(csv, "%ld,%.6f,", it, loss);
        if (eval_now) fprintf(csv, "%.6f", last_val);
        fprintf(csv, ",%.6e,%.0f\n", lr, inst);
        if (!opt.quiet && (tty || eval_now || it == end - 1 || it % 100 == 0)) {
            char eta[32], vbuf[32];
            fmt_duration(eta, sizeof eta, (end - it - 1) * (double)B * T / tps);
            snprintf(vbuf, sizeof vbuf, isnan(last_val) ? "  --  " : "%.4f", last_val);
            printf("%siter %5ld/%ld | loss %.4f | val %s | lr %.2e | %6.0f tok/s | ETA %s%s", tty ? "\r" : "", it + 1,
                   opt.max_iters, loss, vbuf, lr, tps, eta, tty ? "   " : "\n");
            if (tty && (eval_now || it == end - 1)) printf("\n");
            fflush(stdout);
        }
        int save_now = (opt.save_every > 0 && (it + 1) % opt.save_every == 0) || it == end - 1 ||
                       (opt.max_time > 0 && now() - t0 >= opt.max_time);
        if (save_now) {
            fflush(csv);
            ts = (TrainState){.present = 1, .iter = it + 1, .rng = rng.state, .seed = opt.seed, .batch = B,
                              .max_iters = opt.max_iters, .warmup = opt.warmup, .eval_every = opt.eval_every,
                              .eval_iters = opt.eval_iters, .save_every = opt.save_every, .lr = opt.lr,
                              .min_lr = opt.min_lr, .weight_decay = opt.weight_decay, .max_time = opt.max_time,
                              .last_val = last_val, .elapsed = elapsed0 + now() - t0};
            if (checkpoint_save(opt.out, &m, &vocab, am, av, &ts, err, errlen)) goto done;
            plot_log(csv_path, svg_path);
        }
        if (opt.max_time > 0 && now() - t0 >= opt.max_time) {
            it++;
            if (!opt.quiet) printf("stopping: --max_time %.0f s reached\n", opt.max_time);
            break;
        }
    }
    res->iters_done = it;
    res->last_train_loss = loss;
    res->last_val_loss = last_val;
    res->seconds = now() - t0;
    res->tokens_per_s = tps;
    if (!opt.quiet)
        printf("saved %s (log %s, plot %s) after %ld iterations in %.1f s\n", opt.out, csv_path, svg_path, it,
               res->seconds);
    rc = 0;
done:
    if (csv) fclose(csv);
    free(text), free(tokens), free(am), free(av);
    model_free(&m);
    return rc;
}
