// gradcheck.c — the centred-difference machinery shared by the tests, the
// `difftx gradcheck` table and the graded exercises.
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double gc_rel_error(double a, double n) {
    double den = fabs(a) + fabs(n);
    return fabs(a - n) / (den > GC_FLOOR ? den : GC_FLOOR);
}

// The difference L(x+h) - L(x-h) is taken output by output,
//   sum_i r_i (out_i(x+h) - out_i(x-h)),
// not as a difference of two large sums: outputs that x does not touch then
// cancel exactly, and the rest lose only their own rounding, which keeps
// the numeric side accurate enough to resolve small gradient components.
int gradcheck_run(const GcProblem *p, double h, size_t max_per_tensor, GcResult *r) {
    r->checked = 0;
    r->skipped = 0;
    r->worst = 0;
    r->worst_tensor = p->n_tensors ? p->tensors[0].name : "";
    r->worst_index = 0;
    r->worst_analytic = r->worst_numeric = 0;
    real *plus = malloc((p->n_out ? p->n_out : 1) * sizeof(real));
    if (!plus) return -1;
    // The analytic gradients are read once, before any value is perturbed.
    p->backward(p->ctx);
    const uint64_t kinks_at_x = p->kinks ? p->kinks(p->ctx) : 0;
    // With D(s) = (L(x+s) - L(x-s)) / 2s, the two-point estimate is D(h) and
    // the four-point one is (4 D(h) - D(2h)) / 3, which cancels the h^2 term.
    const int n_steps = p->four_point ? 2 : 1;
    const double weight[2] = {p->four_point ? 4.0 / 3.0 : 1.0, -1.0 / 3.0};
    for (int ti = 0; ti < p->n_tensors; ti++) {
        const GcTensor *t = &p->tensors[ti];
        size_t stride = (max_per_tensor && t->n > max_per_tensor) ? t->n / max_per_tensor : 1;
        for (size_t i = 0; i < t->n; i += stride) {
            real keep = t->value[i];
            double numeric = 0;
            int crossed = 0;
            for (int k = 0; k < n_steps; k++) {
                double hk = h * (k + 1);
                t->value[i] = (real)(keep + hk);
                p->forward(p->ctx);
                crossed |= p->kinks && p->kinks(p->ctx) != kinks_at_x;
                memcpy(plus, p->out, p->n_out * sizeof(real));
                t->value[i] = (real)(keep - hk);
                p->forward(p->ctx);
                crossed |= p->kinks && p->kinks(p->ctx) != kinks_at_x;
                t->value[i] = keep;
                double diff = 0;
                for (size_t j = 0; j < p->n_out; j++)
                    diff += (double)p->r[j] * ((double)plus[j] - (double)p->out[j]);
                // divide by the step actually taken (keep +- h may round in float)
                double step = (double)(real)(keep + hk) - (double)(real)(keep - hk);
                numeric += weight[k] * diff / step;
            }
            if (crossed) {
                r->skipped++;
                continue;
            }
            double rel = gc_rel_error((double)t->grad[i], numeric);
            if (rel > r->worst || isnan(rel)) {
                r->worst = isnan(rel) ? INFINITY : rel;
                r->worst_tensor = t->name;
                r->worst_index = i;
                r->worst_analytic = (double)t->grad[i];
                r->worst_numeric = numeric;
            }
            r->checked++;
        }
    }
    free(plus);
    return 0;
}
