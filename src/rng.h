// rng.h — seeded, reproducible random numbers (no global state: the caller
// owns the generator, so two runs with the same seed see the same numbers).
#ifndef DIFFTX_RNG_H
#define DIFFTX_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
} Rng;

void rng_seed(Rng *r, uint64_t seed);
// uniform in [0, 1)
double rng_uniform(Rng *r);
// standard normal (Box-Muller)
double rng_normal(Rng *r);
// uniform integer in [0, n)
uint64_t rng_below(Rng *r, uint64_t n);

#endif
