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

// Time per layer kind, from the model's lap calls (Model.lap).
typedef struct {
    double fwd[PROF_N], bwd[PROF_N]; // seconds
    double last;                     // when the previous operation ended
} Profile;

static void on_lap(void *ctx, ProfKind kind, int backward) {
    Profile *p = ctx;
    const double t = now();
    (backward ? p->bwd : p->fwd)[kind] += t - p->last;
    p->last = t;
}

// What one kernel table measured.
typedef struct {
    Profile prof;
    double seconds, optimizer; // all timed steps; their AdamW share
    int iters;
} BenchRun;

// warmup + iters training steps of m with the kernels `kind` on random tokens.
static int bench_steps(Model *m, KernelKind kind, int B, int warmup, int iters, BenchRun *res) {
    const int T = m->T_max, N = B * T, V = m->cfg.vocab_size;
    real *am = calloc(m->n_params, sizeof(real)), *av = calloc(m->n_params, sizeof(real));
    int *in = malloc((size_t)N * sizeof(int)), *tg = malloc((size_t)N * sizeof(int));
    if (!am || !av || !in || !tg) {
        free(am), free(av), free(in), free(tg);
        return -1;
    }
    model_use_kernels(m, kind);
    model_init_weights(m, 1);
    memset(res, 0, sizeof *res);
    res->iters = iters;
    Rng r;
    rng_seed(&r, 1);
    AdamWConfig ac = {.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.1};
    double t0 = 0;
    for (int it = 0; it < warmup + iters; it++) {
        if (it == warmup) {
            memset(&res->prof, 0, sizeof res->prof);
            m->lap = on_lap, m->lap_ctx = &res->prof;
            res->optimizer = 0, t0 = now();
        }
        for (int i = 0; i < N; i++) in[i] = (int)rng_below(&r, V), tg[i] = (int)rng_below(&r, V);
        res->prof.last = now();
        model_forward(m, in, tg, B, T);
        model_zero_grad(m);
        res->prof.last = now();
        model_backward(m);
        double ta = now();
        double norm = grad_global_norm(m->grads, m->n_params);
        clip_grad_norm(m->grads, m->n_params, norm, 1.0);
        for (int i = 0; i < m->n_tensors; i++) {
            const ParamTensor *t = &m->tensors[i];
            adamw_update(m->params + t->offset, m->grads + t->offset, am + t->offset, av + t->offset, t->size, &ac,
                         it + 1, t->decay);
        }
        res->optimizer += now() - ta;
    }
    res->seconds = now() - t0;
    m->lap = NULL;
    free(am), free(av), free(in), free(tg);
    return 0;
}

static double peak_rss_mib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
#ifdef __APPLE__
    return ru.ru_maxrss / 1048576.0; // bytes on macOS
#else
    return ru.ru_maxrss / 1024.0; // KiB on Linux
#endif
}

static void bench_print(const Model *m, KernelKind kind, const BenchRun *b, int B, int threads, double peak) {
    const int iters = b->iters;
    const double tps = (double)B * m->T_max * iters / b->seconds, gflops = tps * flops_per_token(m) / 1e9;
    printf("kernels %s: %d steps in %.2f s on %d thread%s: %.1f ms/step, %.2f MFLOP/token\n", kernel_names[kind],
           iters, b->seconds, threads, threads > 1 ? "s" : "", b->seconds / iters * 1e3, flops_per_token(m) / 1e6);
    printf("achieved %.1f GFLOP/s = %.1f%% of the measured peak; peak resident memory %.1f MiB\n\n", gflops,
           100 * gflops / peak, peak_rss_mib());
    printf("  %-14s %10s %10s %8s\n", "time per step", "forward", "backward", "share");
    double tot = b->optimizer;
    for (int k = 0; k < PROF_N; k++) tot += b->prof.fwd[k] + b->prof.bwd[k];
    for (int k = 0; k < PROF_N; k++)
        printf("  %-14s %8.2fms %8.2fms %7.1f%%\n", prof_names[k], b->prof.fwd[k] / iters * 1e3,
               b->prof.bwd[k] / iters * 1e3, 100 * (b->prof.fwd[k] + b->prof.bwd[k]) / tot);
    printf("  %-14s %10s %8.2fms %7.1f%%\n\n", "optimizer", "", b->optimizer / iters * 1e3, 100 * b->optimizer / tot);
    printf("train (%s kernels): %.0f tokens/s\n", kernel_names[kind], tps);
}

// --kernels: "fast", "ref" or both ("fast,ref"). 0 ok, -1 if unknown.
static int parse_kernels(const char *s, int want[2]) {
    want[0] = want[1] = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "fast")) want[KERNELS_FAST] = 1;
        else if (!strcmp(tok, "ref")) want[KERNELS_REF] = 1;
        else return -1;
    }
    return want[0] || want[1] ? 0 : -1;
}

int cmd_bench(const char *prog, int argc, char **argv) {
    (void)prog;
    TrainOptions o;
    if (args_apply_preset("bench", argc, argv, &o)) return EXIT_USAGE;
    ModelConfig *c = &o.cfg;
    const char *preset_arg = NULL, *kernels = "fast";
    int threads = 0, iters = 30, ref_iters = 0;
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
        {"kernels", ARG_STRING, &kernels, 0, 0, NULL,
         "fast (default), ref (the teaching functions) or fast,ref (both, one after the other)", 0},
        {"ref_iters", ARG_INT, &ref_iters, 1, 100000, NULL,
         "timed steps with ref kernels (default: iters / 10, at least 2: they are slow)", 0},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) specs[n_specs++] = more[i];
    int rc = args_parse("bench", "[--preset NAME] [model flags] [--threads N] [--iters N] [--kernels fast,ref]",
                        argc, argv, specs, n_specs);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;
    int want[2];
    if (parse_kernels(kernels, want)) {
        fprintf(stderr, "difftx bench: --kernels %s: expected fast, ref or fast,ref\n", kernels);
        return EXIT_USAGE;
    }
    if (!ref_iters) ref_iters = iters / 10 > 2 ? iters / 10 : 2;
    c->vocab_size = 65;
    if (!args_find(specs, n_specs, "ffn_hidden")->seen) c->ffn_hidden = model_default_ffn_hidden(c->ffn, c->n_embd);
    char err[512];
    Model m;
    if (model_create(&m, c, err, sizeof err)) {
        fprintf(stderr, "difftx bench: %s\n", err);
        return EXIT_USAGE;
    }
    const int B = o.batch, T = c->block_size;
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
    printf("model: %s/%s/%s/%s, %d layers, %d heads, n_embd %d, block %d, batch %d, %zu parameters\n\n",
           attn_names[c->attn], pos_names[c->pos], norm_names[c->norm], ffn_names[c->ffn], c->n_layer, c->n_head,
           c->n_embd, T, B, m.n_params);
    double tps[2] = {0, 0};
    for (int kind = 0; kind < 2; kind++) {
        if (!want[kind]) continue;
        BenchRun b;
        if (bench_steps(&m, (KernelKind)kind, B, kind == KERNELS_REF ? 1 : 5,
                        kind == KERNELS_REF ? ref_iters : iters, &b)) {
            fprintf(stderr, "difftx bench: out of memory\n");
            model_free(&m);
            return 1;
        }
        bench_print(&m, (KernelKind)kind, &b, B, threads, peakn);
        tps[kind] = (double)B * T * b.iters / b.seconds;
        if (want[0] && want[1] && kind == 0) printf("\n");
    }
    if (want[0] && want[1]) printf("fast / ref: %.1fx the tokens/s\n", tps[KERNELS_FAST] / tps[KERNELS_REF]);
    model_free(&m);
    return 0;
}
