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

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "data.h"
#include "io/svg.h"
#include "layers/diffattn.h"
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
        // About 15 minutes on 2 cores (see README, "Choosing the laptop preset"):
        // 1.2 M parameters, ~4.6 M tokens (~4.6 passes over the training text).
        c.n_layer = 6, c.n_head = 4, c.n_embd = 128, c.block_size = 128;
        o->batch = 12, o->max_iters = 3000, o->lr = 1e-3, o->min_lr = 1e-4, o->warmup = 100;
        o->eval_every = 500, o->eval_iters = 100, o->max_time = 960;
    } else {
        return -1;
    }
    c.attn = o->cfg.attn, c.pos = o->cfg.pos, c.norm = o->cfg.norm, c.ffn = o->cfg.ffn;
    c.ffn_hidden = 0;
    o->cfg = c;
    return 0;
}

// Ctrl-C (SIGINT) or SIGTERM during training: the step in progress finishes,
// the checkpoint is written, and the run ends normally. A signal handler can
// only set a flag, so this is the one piece of global state in the library.
// A second signal while the step finishes means "quit now": the default
// action is restored and the signal raised again (the checkpoint on disk is
// whole either way, see file_write_atomic).
static volatile sig_atomic_t stop_requested = 0;
static void on_stop_signal(int sig) {
    if (stop_requested) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_requested = 1;
    static const char msg[] = "\ndifftx train: stopping after this step and saving (signal again to quit at once)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
}

// A run killed while saving (kill -9, power loss) leaves its temporary file
// "OUT.tmp.PID" (or the plot's) beside the checkpoint, which itself is whole (see
// file_write_atomic). The next run on the same OUT removes such leftovers of
// processes that no longer exist.
static void remove_stale_temps(const char *out) {
    const char *slash = strrchr(out, '/');
    char dir[1024], prefix[512];
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - out) ? (int)(slash - out) : 1, out);
    else snprintf(dir, sizeof dir, ".");
    snprintf(prefix, sizeof prefix, "%s.tmp.", slash ? slash + 1 : out);
    const size_t np = strlen(prefix);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, np)) continue;
        char *end;
        long pid = strtol(e->d_name + np, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; // still running (or not ours to judge)
        char path[1600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

// The first value of buf (parameters or gradients) that is NaN or infinite:
// its tensor's name and index, or NULL if every value is finite.
static const char *first_nonfinite(const Model *m, const real *buf, size_t *index) {
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *t = &m->tensors[i];
        for (size_t j = 0; j < t->size; j++)
            if (!isfinite(buf[t->offset + j])) {
                *index = j;
                return t->name;
            }
    }
    return NULL;
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
    struct sigaction sa, old_int, old_term;
    int handlers_set = 0; // handlers installed (restored on the way out)
    sibling_path(csv_path, sizeof csv_path, o->out, ".csv");
    sibling_path(svg_path, sizeof svg_path, o->out, ".svg");

    if (data_load_text(o->data, &text, &n_text, err, errlen)) return 1;
    remove_stale_temps(o->out);
    remove_stale_temps(svg_path);
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
        if (model_config_check(&opt.cfg, err, errlen) ||
            model_check_memory(&opt.cfg, opt.batch, opt.cfg.block_size, 1, err, errlen))
            goto done;
        if (model_create(&m, &opt.cfg, err, errlen)) goto done;
        model_init_weights(&m, opt.seed);
        if (opt.lambda_fixed) {
            if (m.cfg.attn != ATTN_DIFFERENTIAL) {
                snprintf(err, errlen, "--lambda_fixed applies to differential attention; this model has %s attention",
                         attn_names[m.cfg.attn]);
                goto done;
            }
            for (int l = 0; l < m.cfg.n_layer; l++) {
                const BlockParams *b = &m.p.blocks[l];
                real *vecs[4] = {b->lambda_q1, b->lambda_k1, b->lambda_q2, b->lambda_k2};
                for (int i = 0; i < 4; i++) memset(vecs[i], 0, (size_t)m.d * sizeof(real));
            }
        }
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
    free(text); // from here on the token ids are the text
    text = NULL;
    const size_t n_train = data_split_point(n_text), n_val = n_text - n_train;
    if (n_train < (size_t)T + 1 || n_val < (size_t)T + 1) {
        snprintf(err, errlen,
                 "%s: %zu bytes is too short: both the 90%% train and 10%% val parts need at least block_size + 1 = %d",
                 o->data, n_text, T + 1);
        goto done;
    }
    const int *train_tok = tokens, *val_tok = tokens + n_train;
    if (model_check_memory(&opt.cfg, B, T, 1, err, errlen)) goto done; // a resumed run's batch
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
        snprintf(err, errlen, "%s: cannot write the training log: %s", csv_path, strerror(errno));
        goto done;
    }
    if (!start) {
        fprintf(csv, "iter,train_loss,val_loss,lr");
        if (m.cfg.attn == ATTN_DIFFERENTIAL)
            for (int l = 0; l < m.cfg.n_layer; l++) fprintf(csv, ",lambda_%d", l);
        fprintf(csv, ",tokens_per_s\n"); // the one timing column stays last
    }

    const int tty = isatty(STDOUT_FILENO);
    AdamWConfig ac = {.lr = opt.lr, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = opt.weight_decay};
    if (!opt.quiet)
        printf("training %s/%s/%s/%s: %d layers, %d heads, n_embd %d, block %d, batch %d, %zu parameters, %ld "
               "iterations\n",
               attn_names[m.cfg.attn], pos_names[m.cfg.pos], norm_names[m.cfg.norm], ffn_names[m.cfg.ffn],
               m.cfg.n_layer, m.cfg.n_head, m.cfg.n_embd, T, B, m.n_params, opt.max_iters);
    stop_requested = 0;
    handlers_set = 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    const double t0 = now();
    double tps = 0, loss = NAN;
    long it = start, saved_iter = -1; // the iteration of this run's last save
    if (o->resume && !strcmp(o->resume, opt.out)) saved_iter = start;
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
            // Name where it went wrong: the first tensor whose gradient (or,
            // failing that, whose weights) holds a NaN or an infinity.
            size_t gi = 0, wi = 0;
            const char *g = first_nonfinite(&m, m.grads, &gi), *w = first_nonfinite(&m, m.params, &wi);
            char where[256], kept[600], lossbuf[32];
            snprintf(lossbuf, sizeof lossbuf, isnan(loss) ? "NaN" : "%g", loss);
            if (g) snprintf(where, sizeof where, "the gradient of \"%s\" is not finite (at index %zu)", g, gi);
            else if (w) snprintf(where, sizeof where, "the weights of \"%s\" are not finite (at index %zu)", w, wi);
            else snprintf(where, sizeof where, "the gradient norm is %g", norm);
            if (saved_iter >= 0)
                snprintf(kept, sizeof kept, "%s keeps iteration %ld", opt.out, saved_iter);
            else
                snprintf(kept, sizeof kept, "nothing was saved by this run");
            snprintf(err, errlen,
                     "iteration %ld: the loss is %s and %s; stopping without saving (%s); a lower --lr may help",
                     it + 1, lossbuf, where, kept);
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
        fprintf(csv, ",%.6e", lr);
        if (m.cfg.attn == ATTN_DIFFERENTIAL) // lambda of each layer after this step's update
            for (int l = 0; l < m.cfg.n_layer; l++) {
                const BlockParams *b = &m.p.blocks[l];
                fprintf(csv, ",%.6f",
                        diffattn_lambda(b->lambda_q1, b->lambda_k1, b->lambda_q2, b->lambda_k2, m.d, lambda_init_at(l)));
            }
        fprintf(csv, ",%.0f\n", inst);
        if (!opt.quiet && (tty || eval_now || it == end - 1 || it % 100 == 0)) {
            char eta[32], vbuf[32];
            fmt_duration(eta, sizeof eta, (end - it - 1) * (double)B * T / tps);
            snprintf(vbuf, sizeof vbuf, isnan(last_val) ? "  --  " : "%.4f", last_val);
            printf("%siter %5ld/%ld | loss %.4f | val %s | lr %.2e | %6.0f tok/s | ETA %s%s", tty ? "\r" : "", it + 1,
                   opt.max_iters, loss, vbuf, lr, tps, eta, tty ? "   " : "\n");
            if (tty && (eval_now || it == end - 1)) printf("\n");
            fflush(stdout);
        }
        const int out_of_time = opt.max_time > 0 && now() - t0 >= opt.max_time;
        int save_now = (opt.save_every > 0 && (it + 1) % opt.save_every == 0) || it == end - 1 || out_of_time ||
                       stop_requested;
        if (save_now) {
            fflush(csv);
            ts = (TrainState){.present = 1, .iter = it + 1, .rng = rng.state, .seed = opt.seed, .batch = B,
                              .max_iters = opt.max_iters, .warmup = opt.warmup, .eval_every = opt.eval_every,
                              .eval_iters = opt.eval_iters, .save_every = opt.save_every, .lr = opt.lr,
                              .min_lr = opt.min_lr, .weight_decay = opt.weight_decay, .max_time = opt.max_time,
                              .last_val = last_val, .elapsed = elapsed0 + now() - t0};
            size_t bi = 0;
            const char *bad_w = first_nonfinite(&m, m.params, &bi);
            if (bad_w) { // never overwrite a good checkpoint with a broken model
                snprintf(err, errlen, "iteration %ld: the weights of \"%s\" are not finite (at index %zu); not saved",
                         it + 1, bad_w, bi);
                goto done;
            }
            char serr[1024];
            if (checkpoint_save(opt.out, &m, &vocab, am, av, &ts, serr, sizeof serr)) {
                snprintf(err, errlen, "iteration %ld: saving failed: %s; %s", it + 1, serr,
                         saved_iter >= 0 ? "the checkpoint of the last save is left as it was"
                                         : "any earlier file there is left as it was");
                goto done;
            }
            saved_iter = it + 1;
            plot_log(csv_path, svg_path);
        }
        if (out_of_time || stop_requested) {
            it++;
            if (tty && !opt.quiet) printf("\n");
            if (out_of_time) printf("stopping: --max_time %.0f s reached\n", opt.max_time);
            else printf("interrupted: stopped after iteration %ld of %ld\n", it, opt.max_iters);
            printf("saved %s; continue with: difftx train --resume %s --data %s\n", opt.out, opt.out, opt.data);
            fflush(stdout);
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
    if (handlers_set) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    if (csv) fclose(csv);
    free(text), free(tokens), free(am), free(av);
    model_free(&m);
    return rc;
}
