// rng.c — xorshift64* generator seeded through splitmix64.
// Small, fast, and identical on every platform, which is what reproducible
// training and sampling need; statistical quality is ample for init and batches.
#include "rng.h"

#include <math.h>

void rng_seed(Rng *r, uint64_t seed) {
    // splitmix64 spreads nearby seeds (0, 1, 2...) into unrelated states;
    // xorshift must never start at zero.
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->state = z ? z : 0x2545F4914F6CDD1Dull;
}

static uint64_t next64(Rng *r) {
    uint64_t x = r->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

double rng_uniform(Rng *r) { return (double)(next64(r) >> 11) * (1.0 / 9007199254740992.0); }

double rng_normal(Rng *r) {
    // Box-Muller: two uniforms -> one normal (the second is discarded so the
    // generator carries no hidden cached value).
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t rng_below(Rng *r, uint64_t n) { return n ? next64(r) % n : 0; }
