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

// sign = +1 rotates by +a (forward), -1 by -a (backward); out (+)= R(sign*a) inp.
// The angles depend on (t, i) only, so each (cos, sin) pair is computed once
// per position for a chunk of RC pairs and reused by every row and head at
// that position, which are then walked in memory order.
#define RC 32 // pairs per chunk of cached angles
static void rope_apply(real *out, const real *inp, int B, int T, int H, int d, double base, int sign,
                       int accumulate) {
    const int C = H * d, P = d / 2;
    DIFFTX_OMP_FOR
    for (int t = 0; t < T; t++) {
        real cs[RC], sn[RC];
        for (int i0 = 0; i0 < P; i0 += RC) {
            const int n = P - i0 < RC ? P - i0 : RC;
            for (int i = 0; i < n; i++) {
                double a = t * pow(base, -2.0 * (i0 + i) / d);
                cs[i] = (real)cos(a), sn[i] = (real)(sign * sin(a));
            }
            for (int bh = 0; bh < B * H; bh++) {
                const size_t at = ((size_t)(bh / H) * T + t) * C + (size_t)(bh % H) * d + 2 * (size_t)i0;
                const real *x = inp + at;
                real *y = out + at;
                for (int i = 0; i < n; i++) {
                    real x0 = x[2 * i], x1 = x[2 * i + 1];
                    real y0 = x0 * cs[i] - x1 * sn[i], y1 = x0 * sn[i] + x1 * cs[i];
                    if (accumulate) {
                        y[2 * i] += y0, y[2 * i + 1] += y1;
                    } else {
                        y[2 * i] = y0, y[2 * i + 1] = y1;
                    }
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
