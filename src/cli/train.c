// train.c (command) — `difftx train`: flags named after the config keys,
// presets, then the loop in src/train.c.
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "train.h"

int train_parse_args(int argc, char **argv, TrainOptions *out) {
    TrainOptions o;
    if (args_apply_preset("train", argc, argv, &o)) return EXIT_USAGE;
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
        {"quiet", ARG_FLAG, &o.quiet, 0, 0, NULL, "no progress lines", 0},
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

int cmd_train(const char *prog, int argc, char **argv) {
    (void)prog;
    TrainOptions o;
    int rc = train_parse_args(argc, argv, &o);
    if (rc) return rc == 1 ? 0 : rc;
    // Missing, empty, unreadable or too-short data is reported by train_run.
    TrainResult res;
    char err[1024];
    if (train_run(&o, &res, err, sizeof err)) {
        fprintf(stderr, "difftx train: %s\n", err);
        return 1;
    }
    return 0;
}
