// gradcheck.c (command) — `difftx gradcheck`: one row per layer with the worst
// relative error in double and in float.
//
// A program is built in one precision, so the other column comes from the
// sibling binary (bin/difftx64 for double, bin/difftx for float), run with
// --raw, which prints machine-readable rows: "name checked worst".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gradcheck.h"

#ifdef DIFFTX_DOUBLE
#define SIBLING "difftx"
#else
#define SIBLING "difftx64"
#endif

typedef struct {
    size_t checked[2]; // [0] double, [1] float
    double worst[2];
    int have[2];
} Row;

enum { P_DOUBLE = 0, P_FLOAT = 1 };
#ifdef DIFFTX_DOUBLE
#define P_SELF P_DOUBLE
#else
#define P_SELF P_FLOAT
#endif

static int selected(const char *only, const char *name) { return !only || !strcmp(only, name); }

// Runs the sibling binary and fills the other precision's column.
static void read_sibling(const char *argv0, const char *only, Row *rows) {
    char cmd[4096];
    const char *slash = strrchr(argv0, '/');
    int dirlen = slash ? (int)(slash - argv0 + 1) : 0;
    snprintf(cmd, sizeof cmd, "'%.*s%s' gradcheck --raw%s%s 2>/dev/null", dirlen, argv0, SIBLING,
             only ? " --layer " : "", only ? only : "");
    FILE *p = popen(cmd, "r");
    if (!p) return;
    char name[64];
    size_t n;
    double worst;
    while (fscanf(p, "%63s %zu %lf", name, &n, &worst) == 3) {
        const GcLayer *l = gc_find_layer(name);
        if (!l) continue;
        Row *r = &rows[l - gc_layers];
        r->checked[1 - P_SELF] = n, r->worst[1 - P_SELF] = worst, r->have[1 - P_SELF] = 1;
    }
    pclose(p);
}

static void usage(FILE *f) {
    fprintf(f, "usage: difftx gradcheck [--layer NAME] [--raw]\n\n"
               "Checks every layer's hand-written backward pass against centred differences,\n"
               "on %d shapes (B > 1, T = 1, odd T, several heads), in double and in float.\n"
               "  --layer NAME  check one layer only:", gc_n_shapes);
    for (int i = 0; i < gc_n_layers; i++) fprintf(f, " %s", gc_layers[i].name);
    fprintf(f, "\n  --raw         print \"name checked worst\" rows in this build's precision only\n");
}

int cmd_gradcheck(const char *prog, int argc, char **argv) {
    const char *only = NULL;
    int raw = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--raw")) {
            raw = 1;
        } else if (!strcmp(argv[i], "--layer") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strncmp(argv[i], "--layer=", 8)) {
            only = argv[i] + 8;
        } else if (!strcmp(argv[i], "--layer")) {
            fprintf(stderr, "difftx gradcheck: --layer needs a value (a layer name; see difftx gradcheck --help)\n");
            return EXIT_USAGE;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "difftx gradcheck: unknown or incomplete flag '%s'\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (only && !gc_find_layer(only)) {
        fprintf(stderr, "difftx gradcheck: --layer %s: no such layer; one of:", only);
        for (int i = 0; i < gc_n_layers; i++) fprintf(stderr, " %s", gc_layers[i].name);
        fprintf(stderr, "\n");
        return EXIT_USAGE;
    }

    Row rows[64];
    memset(rows, 0, sizeof rows);
    for (int i = 0; i < gc_n_layers; i++) {
        if (!selected(only, gc_layers[i].name)) continue;
        GcResult r;
        if (gc_check_layer_all_shapes(&gc_layers[i], &r)) {
            fprintf(stderr, "difftx gradcheck: %s: out of memory\n", gc_layers[i].name);
            return 1;
        }
        rows[i].checked[P_SELF] = r.checked, rows[i].worst[P_SELF] = r.worst, rows[i].have[P_SELF] = 1;
        if (raw) printf("%s %zu %.6e\n", gc_layers[i].name, r.checked, r.worst);
    }
    if (raw) return 0;

    read_sibling(prog, only, rows);
    printf("Gradient check: each layer's backward pass against centred differences\n");
    printf("rel = |analytic - numeric| / max(floor, |analytic| + |numeric|), %d shapes per layer\n", gc_n_shapes);
    printf("PASS needs double <= %.0e (h = 1e-5, floor 1e-8) and float <= %.0e (h = 1e-2, floor 1e-2)\n\n",
           GC_TOL_DOUBLE, GC_TOL_FLOAT);
    printf("  %-13s %8s  %12s  %12s  %s\n", "layer", "checked", "double worst", "float worst", "result");
    int fails = 0, missing = 0;
    for (int i = 0; i < gc_n_layers; i++) {
        if (!selected(only, gc_layers[i].name)) continue;
        Row *r = &rows[i];
        char col[2][32];
        int ok = 1;
        const double tol[2] = {GC_TOL_DOUBLE, GC_TOL_FLOAT};
        for (int p = 0; p < 2; p++) {
            if (r->have[p]) {
                snprintf(col[p], sizeof col[p], "%.1e", r->worst[p]);
                ok &= r->worst[p] <= tol[p];
            } else {
                snprintf(col[p], sizeof col[p], "n/a");
                missing = 1;
            }
        }
        fails += !ok;
        printf("  %-13s %8zu  %12s  %12s  %s\n", gc_layers[i].name, r->checked[P_SELF], col[P_DOUBLE], col[P_FLOAT],
               ok ? "PASS" : "FAIL");
    }
    printf("\n");
    if (missing)
        printf("note: the %s column needs bin/%s next to this program (run `make`).\n",
               P_SELF == P_FLOAT ? "double" : "float", SIBLING);
    if (fails) {
        printf("%d layer(s) FAIL: their backward pass disagrees with the numeric gradient.\n", fails);
        return 1;
    }
    printf("All checked layers PASS.\n");
    return 0;
}
