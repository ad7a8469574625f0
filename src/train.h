// train.h — the training loop: batches, AdamW steps, schedule, evaluation,
// checkpoints, the CSV log and its SVG plot. It prints nothing: progress and
// events go to the callbacks of a TrainReport (the command prints them).
#ifndef DIFFTX_TRAIN_H
#define DIFFTX_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct TrainReport;

typedef struct TrainOptions {
    ModelConfig cfg; // vocab_size is taken from the data (or the resumed checkpoint)
    const char *data, *out, *resume;
    int batch, threads;
    long max_iters, warmup, eval_every, eval_iters, save_every, stop_after;
    double lr, min_lr, weight_decay, max_time, grad_clip;
    uint64_t seed;
    KernelKind kernels; // layer implementations (model_use_kernels), for a new or a resumed run
    const struct TrainReport *report; // where progress and events go; NULL: silent
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

// One step done, as reported to on_progress.
typedef struct {
    long iter;            // iterations done, this step included (1-based)
    long end, max_iters;  // where this run stops (max_iters, or stop_after) and the schedule's length
    double loss;          // this step's training loss
    double val_loss;      // the latest validation loss (NaN before the first)
    int evaluated;        // val_loss was measured just before this step
    double lr, tokens_per_s, seconds_left; // tokens_per_s smoothed; seconds_left from it
} TrainProgress;

typedef enum { TRAIN_STOP_TIME, TRAIN_STOP_SIGNAL } TrainStop;

// Callbacks of a run; any may be NULL. `run` is the run's settings as used
// (a resumed run's own: model shape, batch, schedule).
typedef struct TrainReport {
    void *ctx; // passed back to every callback
    void (*on_start)(void *ctx, const TrainOptions *run, size_t n_params); // before the first step
    void (*on_progress)(void *ctx, const TrainProgress *p);                // after every step
    // Stopped before `end` (--max_time, or a signal), after saving iteration iters_done.
    void (*on_stopped)(void *ctx, TrainStop why, long iters_done, const TrainOptions *run);
    // The run is over and saved: the checkpoint, its log and its plot.
    void (*on_done)(void *ctx, const TrainResult *res, const char *out, const char *csv, const char *svg);
    // Written to stderr by the signal handler (it may only write(2)) at the
    // first SIGINT/SIGTERM; NULL: nothing.
    const char *signal_note;
} TrainReport;

// Runs training; 0 ok, 1 failure (message in err).
int train_run(const TrainOptions *o, TrainResult *res, char *err, size_t errlen);

// Fills o with the named preset ("tiny", "baby", "laptop"); -1 if unknown.
int train_preset(const char *name, TrainOptions *o);

#endif
