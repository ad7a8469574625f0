// kernels.h — which implementation of the heavy layers a model runs.
//
// Every layer has a teaching version, the plain-named function the lessons
// derive (src/layers/), and the heavy ones (linear, attention, differential
// attention, the feed-forward nets built on linear) also an optimised twin
// named `_fast` (src/layers/fast/). A Kernels table holds one of the two for
// every such layer, chosen once when the model is built, so model.c calls
// `m->k->linear_forward(...)` and never asks which one it is.
//   fast: the optimised twins (the default: training, eval, sampling)
//   ref:  the teaching functions only, so a model trains on exactly the code
//         the lessons (and a learner's exercise copy) contain
#ifndef DIFFTX_KERNELS_H
#define DIFFTX_KERNELS_H

typedef enum { KERNELS_FAST, KERNELS_REF } KernelKind;
extern const char *const kernel_names[2]; // "fast", "ref"

#endif
