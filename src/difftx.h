// difftx.h — the numeric type and the few macros every file shares.
//
// The whole library is written against `real`. The training build uses float
// (fast, half the memory); the gradient-check build defines DIFFTX_DOUBLE so
// that centred differences are accurate to ~1e-10 and a wrong derivative
// stands out clearly from rounding noise.
#ifndef DIFFTX_H
#define DIFFTX_H

#include <stddef.h>

#include <math.h>

#ifndef DIFFTX_DOUBLE
#include "fastexp.h"
#endif

// real_exp: exp in the build's precision: libm's exp in double (the
// gradient checks), the vectorisable exp_fast of fastexp.h in float (within
// 2 ulp of expf, and inlined so loops over it run 8 values at a time).
#ifdef DIFFTX_DOUBLE
typedef double real;
#define REAL_NAME "double"
#define real_exp exp
#define real_sqrt sqrt
#else
typedef float real;
#define REAL_NAME "float"
#define real_exp exp_fast
#define real_sqrt sqrtf
#endif

// OpenMP is optional: without it the pragmas are ignored and every loop runs
// on one thread. DIFFTX_OMP_FOR marks loops whose iterations are independent.
// Matrix products and attention are parallel, and so are the elementwise
// passes over whole activations (norm rows, rotary, the SwiGLU gate, AdamW):
// left serial, they would be the part two threads cannot shorten. Every
// parallel loop writes disjoint outputs and no sum is split between threads,
// so results do not depend on the number of threads. Tiny loops stay serial:
// each parallel loop ends with all threads waiting for the slowest.
#ifdef _OPENMP
#include <omp.h>
#define DIFFTX_PRAGMA(x) _Pragma(#x)
#define DIFFTX_OMP_FOR DIFFTX_PRAGMA(omp parallel for schedule(static))
#define DIFFTX_OMP_FOR_SUM(var) DIFFTX_PRAGMA(omp parallel for schedule(static) reduction(+ : var))
// Parallel only when the loop is long enough to repay waking the threads.
#define DIFFTX_OMP_FOR_IF(cond) DIFFTX_PRAGMA(omp parallel for schedule(static) if (cond))
#else
#define DIFFTX_OMP_FOR_IF(cond)
#define DIFFTX_OMP_FOR
#define DIFFTX_OMP_FOR_SUM(var)
#endif

#endif
