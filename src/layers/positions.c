// positions.c — sinusoidal and rotary position information.
//
// Rotary: for pair i of a d-wide vector at position p, theta_i = base^(-2i/d),
// a = p * theta_i, and
//     [x'_2i  ]   [cos a  -sin a] [x_2i  ]
//     [x'_2i+1] = [sin a   cos a] [x_2i+1]
// Because R_p^T R_s = R_{s-p}, the score <R_p q, R_s k> = <q, R_{s-p} k>
// depends only on the offset s - p: relative position for free.
// Backward: y = R x  =>  dL/dx = R^T dL/dy, the same turn by -a.
#include "layers/positions.h"

#include <math.h>

double sinusoidal_value(int p, int j, int C) {
    double freq = pow(10000.0, -(double)(j - (j & 1)) / (double)C);
    return (j & 1) ? cos(p * freq) : sin(p * freq);
}

void sinusoidal_forward(real *x, int B, int T, int C) {
    for (int t = 0; t < T; t++)
        for (int j = 0; j < C; j++) {
            real pe = (real)sinusoidal_value(t, j, C);
            for (int b = 0; b < B; b++) x[((size_t)b * T + t) * C + j] += pe;
        }
}

void sinusoidal_backward(real *dx, int B, int T, int C) {
    (void)dx, (void)B, (void)T, (void)C;
}

// sign = +1 rotates by +a (forward), -1 by -a (backward); out (+)= R(sign*a) inp
static void rope_apply(real *out, const real *inp, int B, int T, int H, int d, double base, int sign,
                       int accumulate) {
    const int C = H * d;
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < d / 2; i++) {
            double a = t * pow(base, -2.0 * i / d);
            real c = (real)cos(a), s = (real)(sign * sin(a));
            for (int b = 0; b < B; b++)
                for (int h = 0; h < H; h++) {
                    size_t at = ((size_t)b * T + t) * C + (size_t)h * d + 2 * i;
                    real x0 = inp[at], x1 = inp[at + 1];
                    real y0 = x0 * c - x1 * s, y1 = x0 * s + x1 * c;
                    if (accumulate) {
                        out[at] += y0, out[at + 1] += y1;
                    } else {
                        out[at] = y0, out[at + 1] = y1;
                    }
                }
        }
    }
}

void rope_forward(real *out, const real *inp, int B, int T, int H, int d, double base) {
    rope_apply(out, inp, B, T, H, d, base, +1, 0);
}

void rope_backward(real *dinp, const real *dout, int B, int T, int H, int d, double base) {
    // EXERCISE BEGIN 11 rope_backward
    rope_apply(dinp, dout, B, T, H, d, base, -1, 1);
    // EXERCISE END
}
