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
#include "io/csv.h"
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
// only set a flag, so this is the one piece of global state in the library
// (with the note it writes, the TrainReport's signal_note). A second signal
// while the step finishes means "quit now": the default action is restored
// and the signal raised again (the checkpoint on disk is whole either way,
// see file_write_atomic).
static volatile sig_atomic_t stop_requested = 0;
static const char *stop_note = NULL;
static void on_stop_signal(int sig) {
    if (stop_requested) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_requested = 1;
    if (stop_note) {
        ssize_t w = write(STDERR_FILENO, stop_note, strlen(stop_note));
        (void)w;
    }
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

// Replaces the extension of path (".safetensors") with ext.
static void sibling_path(char *buf, size_t n, const char *path, const char *ext) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : strlen(path);
    snprintf(buf, n, "%.*s%s", (int)stem, path, ext);
}

// Reads the CSV log back (iteration, train, val columns) and draws it; val
// only where it was measured (its cell is empty elsewhere).
static void plot_log(const char *csv, const char *svg) {
    CsvTable t;
    char err[256];
    if (csv_read(csv, &t, err, sizeof err)) return;
    const int ci = csv_column(&t, "iter"), ct = csv_column(&t, "train_loss"), cv = csv_column(&t, "val_loss");
    const size_t n = t.n_rows ? (size_t)t.n_rows : 1;
    double *it = malloc(n * sizeof(double)), *tr = malloc(n * sizeof(double));
    double *vit = malloc(n * sizeof(double)), *va = malloc(n * sizeof(double));
    if (ci >= 0 && ct >= 0 && cv >= 0 && it && tr && vit && va) {
        int nt = 0, nv = 0;
        for (int r = 0; r < t.n_rows; r++) {
            const double *row = t.v + (size_t)r * t.n_cols;
            it[nt] = row[ci], tr[nt] = row[ct], nt++;
            if (!isnan(row[cv])) vit[nv] = row[ci], va[nv] = row[cv], nv++;
        }
        SvgSeries s[2] = {{"train", it, tr, nt, NULL, NULL}, {"val", vit, va, nv, NULL, NULL}};
        svg_lineplot(svg, "Loss", "iteration", "cross-entropy (nats)", s, 2, err, sizeof err);
    }
    free(it), free(tr), free(vit), free(va);
    csv_free(&t);
}

// Everything one run holds, from setup to the last save.
typedef struct {
    TrainOptions opt; // the run's settings (a resumed run's own)
    Model m;
    Vocab vocab;
    TrainState ts;    // as loaded (resume), then as last saved
    real *am, *av;    // AdamW's moments
    int *tokens;
    const int *train_tok, *val_tok;
    size_t n_train, n_val;
    int B, T;
    Rng rng;
    AdamWConfig ac;
    long start, saved_iter; // first iteration of this run; iteration of its last save (-1: none)
    double last_val, elapsed0, t0, tps;
    FILE *csv;
    char csv_path[1024], svg_path[1024];
    struct sigaction old_int, old_term;
    int handlers_set; // handlers installed (restored on the way out)
} Run;

// A resumed run continues with its own settings; only how long it runs (and
// how often it reports and saves) may change.
static int resume_model(Run *r, char *err, size_t errlen) {
    TrainOptions *opt = &r->opt;
    if (checkpoint_load(opt->resume, &r->m, &r->vocab, &r->am, &r->av, &r->ts, err, errlen)) return 1;
    if (!r->ts.present) {
        snprintf(err, errlen, "%s: holds a model but no training state (optimizer moments); it cannot be resumed",
                 opt->resume);
        return 1;
    }
    const TrainState *ts = &r->ts;
    opt->cfg = r->m.cfg;
    opt->batch = ts->batch, opt->lr = ts->lr, opt->min_lr = ts->min_lr, opt->warmup = ts->warmup;
    opt->weight_decay = ts->weight_decay, opt->seed = ts->seed, opt->eval_iters = ts->eval_iters;
    if (opt->max_iters <= 0) opt->max_iters = ts->max_iters;
    return 0;
}

// A new model on the vocabulary of the text, with zero moments.
static int create_model(Run *r, const unsigned char *text, size_t n_text, char *err, size_t errlen) {
    TrainOptions *opt = &r->opt;
    Model *m = &r->m;
    vocab_build(&r->vocab, text, n_text);
    opt->cfg.vocab_size = r->vocab.size;
    if (!opt->cfg.ffn_hidden) opt->cfg.ffn_hidden = model_default_ffn_hidden(opt->cfg.ffn, opt->cfg.n_embd);
    if (model_config_check(&opt->cfg, err, errlen) ||
        model_check_memory(&opt->cfg, opt->batch, opt->cfg.block_size, 1, err, errlen))
        return 1;
    if (model_create(m, &opt->cfg, err, errlen)) return 1;
    model_init_weights(m, opt->seed);
    if (opt->lambda_fixed) {
        if (m->cfg.attn != ATTN_DIFFERENTIAL) {
            snprintf(err, errlen, "--lambda_fixed applies to differential attention; this model has %s attention",
                     attn_names[m->cfg.attn]);
            return 1;
        }
        for (int l = 0; l < m->cfg.n_layer; l++) {
            const BlockParams *b = &m->p.blocks[l];
            real *vecs[4] = {b->lambda_q1, b->lambda_k1, b->lambda_q2, b->lambda_k2};
            for (int i = 0; i < 4; i++) memset(vecs[i], 0, (size_t)m->d * sizeof(real));
        }
    }
    r->am = calloc(m->n_params, sizeof(real));
    r->av = calloc(m->n_params, sizeof(real));
    if (!r->am || !r->av) {
        snprintf(err, errlen, "out of memory for the optimizer state");
        return 1;
    }
    return 0;
}

// The text as token ids, split 90/10 into train and val.
static int encode_text(Run *r, const unsigned char *text, size_t n_text, char *err, size_t errlen) {
    const char *data = r->opt.data;
    size_t bad = 0;
    if (!(r->tokens = malloc(n_text * sizeof(int)))) {
        snprintf(err, errlen, "out of memory encoding %s", data);
        return 1;
    }
    if (vocab_encode(&r->vocab, text, n_text, r->tokens, &bad)) {
        char b[32];
        vocab_describe_byte(text[bad], b, sizeof b);
        snprintf(err, errlen, "%s: byte %s at offset %zu is not in the model's vocabulary", data, b, bad);
        return 1;
    }
    r->n_train = data_split_point(n_text), r->n_val = n_text - r->n_train;
    if (r->n_train < (size_t)r->T + 1 || r->n_val < (size_t)r->T + 1) {
        snprintf(err, errlen,
                 "%s: %zu bytes is too short: both the 90%% train and 10%% val parts need at least block_size + 1 = %d",
                 data, n_text, r->T + 1);
        return 1;
    }
    r->train_tok = r->tokens, r->val_tok = r->tokens + r->n_train;
    return 0;
}

// The CSV log: a new one with its header, or the resumed run's, appended to.
static int open_log(Run *r, char *err, size_t errlen) {
    if (!(r->csv = fopen(r->csv_path, r->start ? "a" : "w"))) {
        snprintf(err, errlen, "%s: cannot write the training log: %s", r->csv_path, strerror(errno));
        return 1;
    }
    if (r->start) return 0;
    fprintf(r->csv, "iter,train_loss,val_loss,lr");
    if (r->m.cfg.attn == ATTN_DIFFERENTIAL)
        for (int l = 0; l < r->m.cfg.n_layer; l++) fprintf(r->csv, ",lambda_%d", l);
    fprintf(r->csv, ",tokens_per_s\n"); // the one timing column stays last
    return 0;
}

// Data, model (new or resumed), kernels, activations, batch generator, log.
static int setup(Run *r, const TrainOptions *o, char *err, size_t errlen) {
    unsigned char *text = NULL;
    size_t n_text = 0;
    r->opt = *o;
    r->saved_iter = -1, r->last_val = NAN;
    sibling_path(r->csv_path, sizeof r->csv_path, o->out, ".csv");
    sibling_path(r->svg_path, sizeof r->svg_path, o->out, ".svg");
    if (data_load_text(o->data, &text, &n_text, err, errlen)) return 1;
    remove_stale_temps(o->out);
    remove_stale_temps(r->svg_path);
    int rc = o->resume ? resume_model(r, err, errlen) : create_model(r, text, n_text, err, errlen);
    if (!rc) model_use_kernels(&r->m, o->kernels);
    r->B = r->opt.batch, r->T = r->opt.cfg.block_size;
    if (!rc) rc = encode_text(r, text, n_text, err, errlen);
    free(text); // from here on the token ids are the text
    if (rc || model_check_memory(&r->opt.cfg, r->B, r->T, 1, err, errlen)) return 1; // a resumed run's batch
    if (model_alloc_acts(&r->m, r->B, r->T, err, errlen)) return 1;
#ifdef _OPENMP
    if (r->opt.threads > 0) omp_set_num_threads(r->opt.threads);
#endif
    if (r->ts.present) {
        r->rng.state = r->ts.rng, r->start = r->ts.iter, r->last_val = r->ts.last_val, r->elapsed0 = r->ts.elapsed;
    } else {
        rng_seed(&r->rng, r->opt.seed);
    }
    if (o->resume && !strcmp(o->resume, o->out)) r->saved_iter = r->start;
    r->ac = (AdamWConfig){.lr = r->opt.lr, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = r->opt.weight_decay};
    return open_log(r, err, errlen);
}

static void catch_stop_signals(Run *r, const char *note) {
    struct sigaction sa;
    stop_requested = 0;
    stop_note = note;
    r->handlers_set = 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &r->old_int);
    sigaction(SIGTERM, &sa, &r->old_term);
}

static void teardown(Run *r) {
    if (r->handlers_set) {
        sigaction(SIGINT, &r->old_int, NULL);
        sigaction(SIGTERM, &r->old_term, NULL);
    }
    if (r->csv) fclose(r->csv);
    free(r->tokens), free(r->am), free(r->av);
    model_free(&r->m);
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

// The validation loss, on the same windows at every evaluation.
static double evaluate(Run *r) {
    return estimate_loss(&r->m, r->val_tok, r->n_val, r->B, r->T, r->opt.eval_iters, r->opt.seed + 0x5EED);
}

// A loss or gradient norm that is not finite: names where it went wrong, the
// first tensor whose gradient (or, failing that, whose weights) holds a NaN
// or an infinity.
static void describe_blowup(const Run *r, long it, double loss, double norm, char *err, size_t errlen) {
    size_t gi = 0, wi = 0;
    const char *g = first_nonfinite(&r->m, r->m.grads, &gi), *w = first_nonfinite(&r->m, r->m.params, &wi);
    char where[256], kept[600], lossbuf[32];
    snprintf(lossbuf, sizeof lossbuf, isnan(loss) ? "NaN" : "%g", loss);
    if (g) snprintf(where, sizeof where, "the gradient of \"%s\" is not finite (at index %zu)", g, gi);
    else if (w) snprintf(where, sizeof where, "the weights of \"%s\" are not finite (at index %zu)", w, wi);
    else snprintf(where, sizeof where, "the gradient norm is %g", norm);
    if (r->saved_iter >= 0) snprintf(kept, sizeof kept, "%s keeps iteration %ld", r->opt.out, r->saved_iter);
    else snprintf(kept, sizeof kept, "nothing was saved by this run");
    snprintf(err, errlen, "iteration %ld: the loss is %s and %s; stopping without saving (%s); a lower --lr may help",
             it + 1, lossbuf, where, kept);
}

// One iteration: a batch, forward, backward, clip, schedule, AdamW. The
// training loss and learning rate in *loss and *lr; 1 if it blew up.
static int step(Run *r, long it, double *loss, double *lr, char *err, size_t errlen) {
    Model *m = &r->m;
    data_sample_batch(&r->rng, r->train_tok, r->n_train, r->B, r->T, m->inputs, m->targets);
    *loss = model_forward(m, m->inputs, m->targets, r->B, r->T);
    model_zero_grad(m);
    model_backward(m);
    double norm = grad_global_norm(m->grads, m->n_params);
    if (!isfinite(*loss) || !isfinite(norm)) {
        describe_blowup(r, it, *loss, norm, err, errlen);
        return 1;
    }
    clip_grad_norm(m->grads, m->n_params, norm, r->opt.grad_clip);
    *lr = lr_schedule(it, r->opt.warmup, r->opt.max_iters, r->opt.lr, r->opt.min_lr);
    r->ac.lr = *lr;
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamTensor *t = &m->tensors[i];
        adamw_update(m->params + t->offset, m->grads + t->offset, r->am + t->offset, r->av + t->offset, t->size,
                     &r->ac, it + 1, t->decay);
    }
    return 0;
}

// One row of the log: iteration, losses, lr, each layer's lambda after this
// step's update (differential), tokens/s of this step.
static void log_row(Run *r, long it, double loss, double lr, int evaluated, double tokens_per_s) {
    const Model *m = &r->m;
    fprintf(r->csv, "%ld,%.6f,", it, loss);
    if (evaluated) fprintf(r->csv, "%.6f", r->last_val);
    fprintf(r->csv, ",%.6e", lr);
    if (m->cfg.attn == ATTN_DIFFERENTIAL)
        for (int l = 0; l < m->cfg.n_layer; l++) {
            const BlockParams *b = &m->p.blocks[l];
            fprintf(r->csv, ",%.6f",
                    diffattn_lambda(b->lambda_q1, b->lambda_k1, b->lambda_q2, b->lambda_k2, m->d, lambda_init_at(l)));
        }
    fprintf(r->csv, ",%.0f\n", tokens_per_s);
}

// The checkpoint after iteration it (model, moments, generator, schedule),
// then the plot; never over a good checkpoint with a broken model.
static int save(Run *r, long it, char *err, size_t errlen) {
    const TrainOptions *opt = &r->opt;
    fflush(r->csv);
    r->ts = (TrainState){.present = 1, .iter = it + 1, .rng = r->rng.state, .seed = opt->seed, .batch = r->B,
                         .max_iters = opt->max_iters, .warmup = opt->warmup, .eval_every = opt->eval_every,
                         .eval_iters = opt->eval_iters, .save_every = opt->save_every, .lr = opt->lr,
                         .min_lr = opt->min_lr, .weight_decay = opt->weight_decay, .max_time = opt->max_time,
                         .last_val = r->last_val, .elapsed = r->elapsed0 + now() - r->t0};
    size_t bi = 0;
    const char *bad_w = first_nonfinite(&r->m, r->m.params, &bi);
    if (bad_w) {
        snprintf(err, errlen, "iteration %ld: the weights of \"%s\" are not finite (at index %zu); not saved", it + 1,
                 bad_w, bi);
        return 1;
    }
    char serr[1024];
    if (checkpoint_save(opt->out, &r->m, &r->vocab, r->am, r->av, &r->ts, serr, sizeof serr)) {
        snprintf(err, errlen, "iteration %ld: saving failed: %s; %s", it + 1, serr,
                 r->saved_iter >= 0 ? "the checkpoint of the last save is left as it was"
                                    : "any earlier file there is left as it was");
        return 1;
    }
    r->saved_iter = it + 1;
    plot_log(r->csv_path, r->svg_path);
    return 0;
}

int train_run(const TrainOptions *o, TrainResult *res, char *err, size_t errlen) {
    static const TrainReport silent = {0};
    const TrainReport *rep = o->report ? o->report : &silent;
    Run r;
    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    int rc = 1;
    if (setup(&r, o, err, errlen)) goto done;
    const TrainOptions *opt = &r.opt;
    const long end = opt->stop_after > 0 && opt->stop_after < opt->max_iters ? opt->stop_after : opt->max_iters;
    if (rep->on_start) rep->on_start(rep->ctx, opt, r.m.n_params);
    catch_stop_signals(&r, rep->signal_note);
    r.t0 = now();
    double loss = NAN, lr = 0;
    long it = r.start;
    for (; it < end; it++) {
        const int eval_now = opt->eval_every > 0 && (it % opt->eval_every == 0 || it == opt->max_iters - 1);
        if (eval_now) r.last_val = evaluate(&r);
        const double t_step = now();
        if (step(&r, it, &loss, &lr, err, errlen)) goto done;
        const double inst = (double)r.B * r.T / (now() - t_step);
        r.tps = r.tps > 0 ? 0.9 * r.tps + 0.1 * inst : inst;
        log_row(&r, it, loss, lr, eval_now, inst);
        const TrainProgress p = {it + 1, end, opt->max_iters, loss, r.last_val, eval_now, lr, r.tps,
                                 (end - it - 1) * (double)r.B * r.T / r.tps};
        if (rep->on_progress) rep->on_progress(rep->ctx, &p);
        const int out_of_time = opt->max_time > 0 && now() - r.t0 >= opt->max_time, stop = stop_requested;
        const int save_due = opt->save_every > 0 && (it + 1) % opt->save_every == 0;
        if ((save_due || it == end - 1 || out_of_time || stop) && save(&r, it, err, errlen)) goto done;
        if (out_of_time || stop) {
            it++;
            if (rep->on_stopped) rep->on_stopped(rep->ctx, out_of_time ? TRAIN_STOP_TIME : TRAIN_STOP_SIGNAL, it, opt);
            break;
        }
    }
    *res = (TrainResult){it, loss, r.last_val, now() - r.t0, r.tps};
    if (rep->on_done) rep->on_done(rep->ctx, res, opt->out, r.csv_path, r.svg_path);
    rc = 0;
done:
    teardown(&r);
    return rc;
}
