// train.h — the training loop: batches, AdamW steps, schedule, evaluation,
// progress, checkpoints, the CSV log and its SVG plot.
#ifndef DIFFTX_TRAIN_H
#define DIFFTX_TRAIN_H

#include <stdint.h>

#include "model.h"

typedef struct TrainOptions {
    ModelConfig cfg; // vocab_size is taken from the data (or the resumed checkpoint)
    const char *data, *out, *resume;
    int batch, threads;
    long max_iters, warmup, eval_every, eval_iters, save_every, stop_after;
    double lr, min_lr, weight_decay, max_time, grad_clip;
    uint64_t seed;
    int quiet; // no progress lines (tests)
    // Ablation: the four lambda vectors start at 0, where their gradients
    // (e.g. dlambda/dlq1 = exp(lq1.lk1) lk1) are exactly 0, so lambda stays at
    // lambda_init for the whole run.
    int lambda_fixed;
} TrainOptions;

// What a run reports back (for tests and the closing summary).
typedef struct {
    long iters_done;
    double last_train_loss, last_val_loss, seconds, tokens_per_s;
} TrainResult;

// Runs training; 0 ok, 1 failure (message in err).
int train_run(const TrainOptions *o, TrainResult *res, char *err, size_t errlen);

// Fills o with the named preset ("tiny", "baby", "laptop"); -1 if unknown.
int train_preset(const char *name, TrainOptions *o);

#endif
