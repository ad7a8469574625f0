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
#else
typedef float real;
#define REAL_NAME "float"
#define real_exp exp_fast
#endif

// OpenMP is optional: without it the pragmas are ignored and every loop runs
// on one thread. DIFFTX_OMP_FOR marks loops whose iterations are independent.
// Only heavy loops (matrix products, attention) are parallel: each parallel
// loop ends with all threads waiting for the slowest, and on a busy laptop a
// thread paused by another program makes that wait long, so small
// elementwise loops (norms, rotary, softmax over the vocabulary) stay serial.
#ifdef _OPENMP
#include <omp.h>
#define DIFFTX_PRAGMA(x) _Pragma(#x)
#define DIFFTX_OMP_FOR DIFFTX_PRAGMA(omp parallel for schedule(static))
#define DIFFTX_OMP_FOR_SUM(var) DIFFTX_PRAGMA(omp parallel for schedule(static) reduction(+ : var))
#else
#define DIFFTX_OMP_FOR
#define DIFFTX_OMP_FOR_SUM(var)
#endif

#endif
