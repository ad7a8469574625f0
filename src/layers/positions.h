// positions.h — where a token is: sinusoidal (added to the embedding) and
// rotary (a rotation of query and key vectors).
#ifndef DIFFTX_POSITIONS_H
#define DIFFTX_POSITIONS_H

#include "difftx.h"

// The sinusoidal table entry for position p and feature j of a width-C model:
// PE[p, 2i] = sin(p / 10000^(2i/C)), PE[p, 2i+1] = cos(p / 10000^(2i/C)).
double sinusoidal_value(int p, int j, int C);
// x: [B,T,C] (in place) x[b,t,:] += PE[t,:]
void sinusoidal_forward(real *x, int B, int T, int C);
// The table is a constant, so dL/dx passes through unchanged: nothing to do.
// Kept as a function so the model reads forward/backward symmetrically.
void sinusoidal_backward(real *dx, int B, int T, int C);

// Rotary positions, interleaved pairs. x holds H sub-heads of width d per row:
// inp, out: [B,T,H*d]; pair (2i, 2i+1) of every sub-head at position t turns by
// angle t * base^(-2i/d).
void rope_forward(real *out, const real *inp, int B, int T, int H, int d, double base);
// dinp: [B,T,H*d] (+=) = R^T dout: a rotation's inverse is its transpose.
void rope_backward(real *dinp, const real *dout, int B, int T, int H, int d, double base);

#endif
