// gradcheck.h — checking hand-written gradients against centred differences.
//
// For a scalar loss L(x) and each value x_i:
//   numeric_i = (L(x + h e_i) - L(x - h e_i)) / 2h        (error O(h^2))
//   rel_i     = |a_i - n_i| / max(1e-8, |a_i| + |n_i|)
// where a_i is the backward pass's answer. A correct backward gives rel ~1e-9
// in double; a wrong one gives rel ~1.
#ifndef DIFFTX_GRADCHECK_H
#define DIFFTX_GRADCHECK_H

#include <stdint.h>
#include <stdio.h>

#include "difftx.h"

// One tensor whose gradient is checked: the values the check perturbs and the
// gradient the backward pass writes.
typedef struct {
    const char *name;
    real *value;
    const real *grad;
    size_t n;
} GcTensor;

// The checked loss is L = sum_i r_i out_i: a fixed random weight r_i for every
// output, so dL/dout = r reaches every output differently (a constant dout
// could hide bugs). backward() must use r as dL/dout.
typedef struct {
    void (*forward)(void *ctx);  // fill out at the current values
    void (*backward)(void *ctx); // fill every grad (zeroed first) at the current values
    void *ctx;
    const real *out, *r;
    size_t n_out;
    const GcTensor *tensors;
    int n_tensors;
    // 0: the two-point difference above. 1: the four-point centred difference
    //   (8 (L(x+h) - L(x-h)) - (L(x+2h) - L(x-2h))) / 12h, whose error is
    //   O(h^4) instead of O(h^2). That allows a larger h (GC_STEP4), and a
    //   larger h divides the rounding noise of L by more: the whole-model
    //   check needs it, where many gradient components are small.
    int four_point;
    // Optional: a fingerprint of the function's kinks (e.g. the signs of
    // every ReLU input) at the current values. Where the fingerprint at a
    // perturbed point differs from the one at x, the difference straddles a
    // kink and says nothing about the derivative: that value is skipped.
    uint64_t (*kinks)(void *ctx);
} GcProblem;

typedef struct {
    size_t checked;          // how many values were compared
    size_t skipped;          // values whose perturbation crossed a kink (see GcProblem.kinks)
    double worst;            // worst relative error
    const char *worst_tensor; // where it was
    size_t worst_index;
    double worst_analytic, worst_numeric; // the two values that disagreed most
} GcResult;

// The step: ~1e-5 in double (truncation h^2 and rounding eps/h both ~1e-10);
// larger in float, where rounding (eps ~ 1e-7) would swamp a small step.
//
// The floor under the denominator: 1e-8 in double. In float a centred
// difference resolves gradient components only to ~1e-4 absolute (see the float
// bound in tests/test_gradients.c), so the float build compares components
// smaller than 1e-2 by their absolute error instead of a ratio of two noises.
#ifdef DIFFTX_DOUBLE
#define GC_STEP 1e-5
#define GC_STEP4 1e-3
#define GC_FLOOR 1e-8
#else
#define GC_STEP 1e-2
#define GC_STEP4 3e-2
#define GC_FLOOR 1e-2
#endif

// |a - n| / max(GC_FLOOR, |a| + |n|)
double gc_rel_error(double analytic, double numeric);
// Checks every value of every tensor (or `max_per_tensor` of them, evenly
// spread, if nonzero). Returns -1 if it could not allocate its work space.
int gradcheck_run(const GcProblem *p, double h, size_t max_per_tensor, GcResult *r);

// Shapes used by the layer checks.
typedef struct {
    int B, T, C, H, F, V;
} GcShape;

typedef struct {
    const char *name;   // as in the table, e.g. "rmsnorm"
    const char *where;  // the source file and functions that are checked
    int (*check)(const GcShape *s, uint64_t seed, GcResult *r); // 0 ok, -1 bad shape/out of memory
} GcLayer;

extern const GcLayer gc_layers[];
extern const int gc_n_layers;
const GcLayer *gc_find_layer(const char *name);

// The shapes every layer is checked on (by the tests and the command-line
// table alike): B > 1 with odd T, T = 1, and 6 heads (3 differential).
extern const GcShape gc_shapes[];
extern const int gc_n_shapes;
// Runs one layer on every shape with seeds 1000, 1001, ...; r gets the total
// count and the worst error. Returns -1 if a check could not run.
int gc_check_layer_all_shapes(const GcLayer *l, GcResult *r);

// Pass bounds, justified in tests/test_gradients.c.
#define GC_TOL_DOUBLE 1e-6
#define GC_TOL_FLOAT 1e-1
#ifdef DIFFTX_DOUBLE
#define GC_TOL GC_TOL_DOUBLE
#else
#define GC_TOL GC_TOL_FLOAT
#endif

#endif
