// checkpoint.h — a model (and, for training, its optimizer state) to and from
// a safetensors file with SPEC.md's tensor names and metadata.
#ifndef DIFFTX_CHECKPOINT_H
#define DIFFTX_CHECKPOINT_H

#include <stdint.h>

#include "data.h"
#include "model.h"

// What a training run needs to continue exactly where it stopped. Stored as
// "train.*" metadata and "optimizer.*" tensors, which SPEC readers ignore.
typedef struct {
    int present;     // 1 when the file holds training state
    long iter;       // iterations completed
    uint64_t rng;    // the batch sampler's generator state
    uint64_t seed;
    int batch;
    long max_iters, warmup, eval_every, eval_iters, save_every;
    double lr, min_lr, weight_decay, max_time;
    double last_val; // last validation loss (NAN if none yet)
    double elapsed;  // seconds of training so far
} TrainState;

// Writes model, vocabulary and (when ts && ts->present and adam_m/adam_v are
// given) the training state, atomically. 0 ok, -1 with a message.
int checkpoint_save(const char *path, const Model *m, const Vocab *v, const real *adam_m, const real *adam_v,
                    const TrainState *ts, char *err, size_t errlen);

// Reads a checkpoint: creates *m (parameters only; call model_alloc_acts),
// fills *v, and, if adam_m/adam_v are non-NULL and the file has training
// state, allocates and fills them (*adam_m = NULL otherwise) and *ts.
// Refuses, naming the file and the problem, anything that is not a complete
// difftx model. 0 ok, -1 with a message.
int checkpoint_load(const char *path, Model *m, Vocab *v, real **adam_m, real **adam_v, TrainState *ts,
                    char *err, size_t errlen);

// The same for a checkpoint already in memory (buf is copied; label names it
// in messages). Used by the fuzzer.
int checkpoint_parse(const unsigned char *buf, size_t len, const char *label, Model *m, Vocab *v, real **adam_m,
                     real **adam_v, TrainState *ts, char *err, size_t errlen);

// The same for a gradient file (eval --grad): model tensors only, grads as values.
int checkpoint_save_grads(const char *path, const Model *m, char *err, size_t errlen);

#endif
