// test_util.h — what every test file includes: cmocka (with the headers it
// needs before it) and a floating-point assertion that prints both numbers.
#ifndef DIFFTX_TEST_UTIL_H
#define DIFFTX_TEST_UTIL_H

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on
#include <math.h>
#include <stdio.h>

#include "difftx.h"

// Fails the test (with both values printed) unless |a - b| <= tol.
#define assert_close(a, b, tol)                                                                                  \
    do {                                                                                                         \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);                                           \
        if (!(fabs(a_ - b_) <= t_)) fail_msg("%s = %.10g, expected %s = %.10g (tolerance %.3g)", #a, a_, #b, b_, t_); \
    } while (0)

// Fails unless x <= bound, printing both.
#define assert_at_most(x, bound)                                                                                 \
    do {                                                                                                         \
        double x_ = (double)(x), b_ = (double)(bound);                                                           \
        if (!(x_ <= b_)) fail_msg("%s = %.3e exceeds %.1e", #x, x_, b_);                                         \
    } while (0)

#endif
