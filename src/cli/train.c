// train.c (command) — `difftx train`: flags named after the config keys,
// presets, then the loop in src/train.c.
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "train.h"

// --quiet: no progress lines (the stop and resume messages still appear). Set
// by train_parse_args, read by cmd_train.
static int quiet;

int train_parse_args(int argc, char **argv, TrainOptions *out) {
    TrainOptions o;
    if (args_apply_preset("train", argc, argv, &o)) return EXIT_USAGE;
    quiet = 0;
    o.data = "data/tinyshakespeare/input.txt";
    o.out = "runs/model.safetensors";
    o.weight_decay = 0.1, o.grad_clip = 1.0, o.seed = 1337, o.save_every = 500;
    long seed = 1337;
    ModelConfig *c = &o.cfg;
    const char *preset_arg = NULL;
    ArgSpec specs[ARGS_N_MODEL + 24];
    int n_specs = 0;
    specs[n_specs++] = (ArgSpec){"preset", ARG_STRING, &preset_arg, 0, 0, NULL, "tiny (seconds), baby (default) or laptop", 0};
    n_specs += args_model_flags(specs + n_specs, c, &o.batch);
    const ArgSpec more[] = {
        {"lr", ARG_DOUBLE, &o.lr, 1e-9, 10, NULL, "peak learning rate", 0},
        {"min_lr", ARG_DOUBLE, &o.min_lr, 0, 10, NULL, "learning rate at the end of the cosine", 0},
        {"warmup", ARG_LONG, &o.warmup, 0, 1e12, NULL, "warmup iterations", 0},
        {"weight_decay", ARG_DOUBLE, &o.weight_decay, 0, 10, NULL, "AdamW decay on matrices and embeddings", 0},
        {"max_iters", ARG_LONG, &o.max_iters, 1, 1e12, NULL, "iterations", 0},
        {"max_time", ARG_DOUBLE, &o.max_time, 0, 1e9, NULL, "stop (and save) after this many seconds", 0},
        {"stop_after", ARG_LONG, &o.stop_after, 1, 1e12, NULL, "stop (and save) after this iteration", 0},
        {"eval_every", ARG_LONG, &o.eval_every, 0, 1e12, NULL, "iterations between validation losses", 0},
        {"eval_iters", ARG_LONG, &o.eval_iters, 1, 1e9, NULL, "batches averaged per validation loss", 0},
        {"save_every", ARG_LONG, &o.save_every, 0, 1e12, NULL, "iterations between checkpoints", 0},
        {"seed", ARG_LONG, &seed, 0, 9.2e18, NULL, "random seed (weights and batches)", 0},
        {"threads", ARG_INT, &o.threads, 1, 1024, NULL, "OpenMP threads (default: all cores)", 0},
        {"data", ARG_STRING, &o.data, 0, 0, NULL, "training text", 0},
        {"out", ARG_STRING, &o.out, 0, 0, NULL, "checkpoint to write (.csv log and .svg plot beside it)", 0},
        {"resume", ARG_STRING, &o.resume, 0, 0, NULL, "continue from this checkpoint", 0},
        {"quiet", ARG_FLAG, &quiet, 0, 0, NULL, "no progress lines", 0},
        {"kernels", ARG_CHOICE, &o.kernels, 0, 0, kernel_names,
         "layer implementations: fast (optimised) or ref (the teaching functions the lessons derive)", 0},
        {"lambda_fixed", ARG_FLAG, &o.lambda_fixed, 0, 0, NULL, "ablation: keep lambda at lambda_init (differential)", 0},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) specs[n_specs++] = more[i];
    int rc = args_parse("train", "[--preset NAME] [flags]", argc, argv, specs, n_specs);
    if (rc == 1) return 1; // help was printed
    if (rc) return EXIT_USAGE;
    o.seed = (uint64_t)seed;
    if (o.resume && !args_find(specs, n_specs, "max_iters")->seen) o.max_iters = 0; // the checkpoint's
    if (!c->ffn_hidden || !args_find(specs, n_specs, "ffn_hidden")->seen) c->ffn_hidden = 0;
    if (!o.resume) {
        char err[512];
        c->vocab_size = 256; // checked for real once the data is read
        ModelConfig probe = *c;
        if (!probe.ffn_hidden) probe.ffn_hidden = model_default_ffn_hidden(probe.ffn, probe.n_embd);
        if (model_config_check(&probe, err, sizeof err)) {
            fprintf(stderr, "difftx train: %s\n", err);
            return EXIT_USAGE;
        }
        // Refused before anything is allocated (256 symbols: the most the data can have).
        if (model_check_memory(&probe, o.batch, probe.block_size, 1, err, sizeof err)) {
            fprintf(stderr, "difftx train: %s\n", err);
            return EXIT_USAGE;
        }
    }
    *out = o;
    return 0;
}

// The progress printed while training: a line at every evaluation, every
// 100 iterations and the last (on a terminal, one line rewritten each step).
typedef struct {
    int tty;
} Printer;

static void fmt_duration(char *buf, size_t n, double s) {
    if (!(s >= 0) || s > 1e7) snprintf(buf, n, "--");
    else if (s >= 3600) snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, n, "%.0fs", s);
}

static void print_start(void *ctx, const TrainOptions *run, size_t n_params) {
    (void)ctx;
    const ModelConfig *c = &run->cfg;
    printf("training %s/%s/%s/%s: %d layers, %d heads, n_embd %d, block %d, batch %d, %zu parameters, %ld "
           "iterations\n",
           attn_names[c->attn], pos_names[c->pos], norm_names[c->norm], ffn_names[c->ffn], c->n_layer, c->n_head,
           c->n_embd, c->block_size, run->batch, n_params, run->max_iters);
}

static void print_progress(void *ctx, const TrainProgress *p) {
    const int tty = ((const Printer *)ctx)->tty, last = p->iter == p->end;
    if (!(tty || p->evaluated || last || (p->iter - 1) % 100 == 0)) return;
    char eta[32], vbuf[32];
    fmt_duration(eta, sizeof eta, p->seconds_left);
    snprintf(vbuf, sizeof vbuf, isnan(p->val_loss) ? "  --  " : "%.4f", p->val_loss);
    printf("%siter %5ld/%ld | loss %.4f | val %s | lr %.2e | %6.0f tok/s | ETA %s%s", tty ? "\r" : "", p->iter,
           p->max_iters, p->loss, vbuf, p->lr, p->tokens_per_s, eta, tty ? "   " : "\n");
    if (tty && (p->evaluated || last)) printf("\n");
    fflush(stdout);
}

// Printed with or without --quiet, with the hint to continue.
static void print_stopped(void *ctx, TrainStop why, long iters_done, const TrainOptions *run) {
    if (((const Printer *)ctx)->tty && !quiet) printf("\n");
    if (why == TRAIN_STOP_TIME) printf("stopping: --max_time %.0f s reached\n", run->max_time);
    else printf("interrupted: stopped after iteration %ld of %ld\n", iters_done, run->max_iters);
    printf("saved %s; continue with: difftx train --resume %s --data %s\n", run->out, run->out, run->data);
    fflush(stdout);
}

static void print_done(void *ctx, const TrainResult *res, const char *out, const char *csv, const char *svg) {
    (void)ctx;
    printf("saved %s (log %s, plot %s) after %ld iterations in %.1f s\n", out, csv, svg, res->iters_done,
           res->seconds);
}

int cmd_train(const char *prog, int argc, char **argv) {
    (void)prog;
    TrainOptions o;
    int rc = train_parse_args(argc, argv, &o);
    if (rc) return rc == 1 ? 0 : rc;
    // Missing, empty, unreadable or too-short data is reported by train_run.
    Printer pr = {isatty(STDOUT_FILENO)};
    TrainReport rep = {&pr, print_start, print_progress, print_stopped, print_done,
                       "\ndifftx train: stopping after this step and saving (signal again to quit at once)\n"};
    if (quiet) rep.on_start = NULL, rep.on_progress = NULL, rep.on_done = NULL;
    o.report = &rep;
    TrainResult res;
    char err[1024];
    if (train_run(&o, &res, err, sizeof err)) {
        fprintf(stderr, "difftx train: %s\n", err);
        return 1;
    }
    return 0;
}
