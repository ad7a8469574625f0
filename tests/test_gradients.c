// test_gradients.c — every layer's backward pass against centred differences,
// on several shapes: B > 1, T = 1, odd T, several heads (and, for
// differential attention, several differential heads with lambda vectors far
// from zero so that lambda != lambda_init and A1 != A2).
#include "gradcheck.h"
#include "test_util.h"

// Double: centred differences are accurate to ~1e-9 here, so 1e-6 leaves
// room for unlucky tiny components while any real mistake (a sign, a missing
// term, a wrong factor) gives errors near 1.
// Float: with 7 significant digits, each output carries a rounding error of
// ~1e-7 |out|; divided by the step h = 1e-2 that is ~1e-5 per output, and the
// step's own truncation error (h^2 f'''/6) is of the same order. Measured
// numeric-vs-analytic gaps reach ~4e-4 absolute, so components are compared
// relative to max(1e-2, |a| + |n|) (GC_FLOOR) with bound 0.1. That still
// catches every mistake of the kinds above (they give errors near 1); the
// double build is the precise check, the float build shows that the training
// precision computes the same thing.
// (GC_TOL in gradcheck.h: GC_TOL_DOUBLE = 1e-6, GC_TOL_FLOAT = 1e-1.)

static void check_layer(const char *name) {
    const GcLayer *l = gc_find_layer(name);
    assert_non_null(l);
    for (int i = 0; i < gc_n_shapes; i++) {
        const GcShape *s = &gc_shapes[i];
        GcResult r;
        assert_int_equal(l->check(s, 1000 + (uint64_t)i, &r), 0);
        assert_true(r.checked > 0);
        if (!(r.worst <= GC_TOL))
            fail_msg("%s, B=%d T=%d C=%d H=%d: worst relative error %.3e at %s[%zu] (analytic %.9g, numeric %.9g) "
                     "exceeds %.0e",
                     name, s->B, s->T, s->C, s->H, r.worst, r.worst_tensor, r.worst_index, r.worst_analytic,
                     r.worst_numeric, GC_TOL);
    }
}

#define LAYER_TEST(n)                                                                                            \
    static void test_grad_##n(void **state) {                                                                    \
        (void)state;                                                                                             \
        check_layer(#n);                                                                                         \
    }
LAYER_TEST(linear)
LAYER_TEST(embedding)
LAYER_TEST(sinusoidal)
LAYER_TEST(rope)
LAYER_TEST(rmsnorm)
LAYER_TEST(layernorm)
LAYER_TEST(crossentropy)
LAYER_TEST(swiglu)
LAYER_TEST(relu_ffn)
LAYER_TEST(attention)
LAYER_TEST(diffattn)
LAYER_TEST(diffattn_nonorm)

// The table the command line prints covers exactly these layers.
static void test_registry_complete(void **state) {
    (void)state;
    assert_int_equal(gc_n_layers, 12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_linear),    cmocka_unit_test(test_grad_embedding),
        cmocka_unit_test(test_grad_sinusoidal), cmocka_unit_test(test_grad_rope),
        cmocka_unit_test(test_grad_rmsnorm),   cmocka_unit_test(test_grad_layernorm),
        cmocka_unit_test(test_grad_crossentropy), cmocka_unit_test(test_grad_swiglu),
        cmocka_unit_test(test_grad_relu_ffn),  cmocka_unit_test(test_grad_attention),
        cmocka_unit_test(test_grad_diffattn),  cmocka_unit_test(test_grad_diffattn_nonorm),
        cmocka_unit_test(test_registry_complete),
    };
    return cmocka_run_group_tests_name("gradients (" REAL_NAME ")", tests, NULL, NULL);
}
