// bench.c (command) — `difftx bench`: how fast this machine trains a model.
//
// 1. The machine's own peak: a loop of independent fused multiply-adds, the
//    most arithmetic a core can do per second (on one thread and on all).
// 2. Training steps of the chosen model on random tokens, after a warm-up:
//    tokens/s, the GFLOP/s that implies, the share of the peak, peak memory,
//    and where the time goes by layer kind.
// FLOPs per trained token: each weight of a matrix product costs 2 FLOPs
// forward and 4 backward (6 in all); causal attention adds about 6 T C per
// layer (scores and weighted sums over T/2 positions on average, x3 for
// backward).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "train.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

// 12 independent chains of 8-wide fused multiply-adds: enough in flight to
// keep both FMA units of a core busy (latency 4 x 2 units = 8 needed). a and
// b come through volatile so the compiler cannot fold the loop away.
// Returns GFLOP/s (2 FLOPs per multiply-add).
static double fma_peak(int threads) {
    enum { NA = 12, W = 8 };
    const long reps = 40000000;
    volatile float va = 0.999999f, vb = 1e-7f;
    double t0 = now(), sink = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : sink)
#else
    (void)threads;
#endif
    {
        const float a = va, b = vb;
        float acc[NA][W];
        for (int i = 0; i < NA; i++)
            for (int j = 0; j < W; j++) acc[i][j] = (float)(i + j) * 1e-3f;
        for (long r = 0; r < reps; r++)
            for (int i = 0; i < NA; i++) {
#pragma omp simd
                for (int j = 0; j < W; j++) acc[i][j] = acc[i][j] * a + b;
            }
        for (int i = 0; i < NA; i++)
            for (int j = 0; j < W; j++) sink += acc[i][j];
    }
    double dt = now() - t0;
    volatile double keep = sink;
    (void)keep;
#ifdef _OPENMP
    int n = threads;
#else
    int n = 1;
#endif
    return (double)n * reps * NA * W * 2 / dt / 1e9;
}

static double flops_per_token(const Model *m) {
    double w = 0;
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].ndim == 2 && strcmp(m->tensors[i].name, "tok_emb")) w += (double)m->tensors[i].size;
    return 6 * w + 6.0 * m->cfg.block_size * m->cfg.n_embd * m->cfg.n_layer;
}

int cmd_bench(const char *prog, int argc, char **argv) {
    (void)prog;
    TrainOptions o;
    if (args_apply_preset("bench", argc, argv, &o)) return EXIT_USAGE;
    ModelConfig *c = &o.cfg;
    const char *preset_arg = NULL;
    int threads = 0, iters = 30, warmup = 5;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    ArgSpec specs[ARGS_N_MODEL + 24];
    int n_specs = 0;
    specs[n_specs++] = (ArgSpec){"preset", ARG_STRING, &preset_arg, 0, 0, NULL, "tiny, baby (default) or laptop", 0};
    n_specs += args_model_flags(specs + n_specs, c, &o.batch);
    const ArgSpec more[] = {
        {"threads", ARG_INT, &threads, 1, 1024, NULL, "OpenMP threads", 0},
        {"iters", ARG_INT, &iters, 1, 100000, NULL, "timed training steps (after 5 warm-up steps)", 0},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) specs[n_specs++] = more[i];
    int rc = args_parse("bench", "[--preset NAME] [model flags] [--threads N] [--iters N]", argc, argv, specs, n_specs);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;
    c->vocab_size = 65;
    if (!args_find(specs, n_specs, "ffn_hidden")->seen) c->ffn_hidden = model_default_ffn_hidden(c->ffn, c->n_embd);
    char err[512];
    Model m;
    if (model_create(&m, c, err, sizeof err)) {
        fprintf(stderr, "difftx bench: %s\n", err);
        return EXIT_USAGE;
    }
    const int B = o.batch, T = c->block_size, N = B * T;
    if (model_alloc_acts(&m, B, T, err, sizeof err)) {
        fprintf(stderr, "difftx bench: %s\n", err);
        model_free(&m);
        return 1;
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    threads = 1;
#endif
    printf("machine peak (FMA loop): ");
    fflush(stdout);
    double peak1 = fma_peak(1), peakn = threads > 1 ? fma_peak(threads) : peak1;
    printf("%.1f GFLOP/s on 1 thread, %.1f on %d\n", peak1, peakn, threads);

    model_init_weights(&m, 1);
    real *am = calloc(m.n_params, sizeof(real)), *av = calloc(m.n_params, sizeof(real));
    int *in = malloc((size_t)N * sizeof(int)), *tg = malloc((size_t)N * sizeof(int));
    if (!am || !av || !in || !tg) {
        fprintf(stderr, "difftx bench: out of memory\n");
        return 1;
    }
    Rng r;
    rng_seed(&r, 1);
    AdamWConfig ac = {.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.1};
    ModelProfile prof;
    double t_opt = 0, t0 = 0;
    for (int it = 0; it < warmup + iters; it++) {
        if (it == warmup) {
            memset(&prof, 0, sizeof prof);
            m.prof = &prof;
            t_opt = 0;
            t0 = now();
        }
        for (int i = 0; i < N; i++) in[i] = (int)rng_below(&r, 65), tg[i] = (int)rng_below(&r, 65);
        model_forward(&m, in, tg, B, T);
        model_zero_grad(&m);
        model_backward(&m);
        double ta = now();
        double norm = grad_global_norm(m.grads, m.n_params);
        clip_grad_norm(m.grads, m.n_params, norm, 1.0);
        for (int i = 0; i < m.n_tensors; i++) {
            const ParamTensor *t = &m.tensors[i];
            adamw_update(m.params + t->offset, m.grads + t->offset, am + t->offset, av + t->offset, t->size, &ac,
                         it + 1, t->decay);
        }
        t_opt += now() - ta;
    }
    double dt = now() - t0;
    double tps = (double)N * iters / dt, gflops = tps * flops_per_token(&m) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
#ifdef __APPLE__
    double rss_mib = ru.ru_maxrss / 1048576.0; // bytes on macOS
#else
    double rss_mib = ru.ru_maxrss / 1024.0; // KiB on Linux
#endif
    printf("model: %s/%s/%s/%s, %d layers, %d heads, n_embd %d, block %d, batch %d, %zu parameters\n",
           attn_names[c->attn], pos_names[c->pos], norm_names[c->norm], ffn_names[c->ffn], c->n_layer, c->n_head,
           c->n_embd, T, B, m.n_params);
    printf("%d steps in %.2f s on %d thread%s: %.1f ms/step, %.2f MFLOP/token\n", iters, dt, threads,
           threads > 1 ? "s" : "", dt / iters * 1e3, flops_per_token(&m) / 1e6);
    printf("achieved %.1f GFLOP/s = %.0f%% of the measured peak; peak resident memory %.1f MiB\n\n", gflops,
           100 * gflops / peakn, rss_mib);
    printf("  %-14s %10s %10s %8s\n", "time per step", "forward", "backward", "share");
    double tot = 0;
    for (int k = 0; k < PROF_N; k++) tot += prof.fwd[k] + prof.bwd[k];
    tot += t_opt;
    for (int k = 0; k < PROF_N; k++)
        printf("  %-14s %8.2fms %8.2fms %7.1f%%\n", prof_names[k], prof.fwd[k] / iters * 1e3,
               prof.bwd[k] / iters * 1e3, 100 * (prof.fwd[k] + prof.bwd[k]) / tot);
    printf("  %-14s %10s %8.2fms %7.1f%%\n\n", "optimizer", "", t_opt / iters * 1e3, 100 * t_opt / tot);
    printf("train: %.0f tokens/s\n", tps);
    free(am), free(av), free(in), free(tg);
    model_free(&m);
    return 0;
}
