// args.c — flag parsing shared by every command.
#include "cli/args.h"

#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ArgSpec *args_find(ArgSpec *specs, int n_specs, const char *name) {
    for (int i = 0; i < n_specs; i++)
        if (!strcmp(specs[i].name, name)) return &specs[i];
    return NULL;
}

static int set_value(const char *cmd, ArgSpec *s, const char *v) {
    char *end;
    errno = 0;
    switch (s->type) {
    case ARG_INT:
    case ARG_LONG: {
        long long x = strtoll(v, &end, 10);
        // Too large for long long: strtoll clamps to LLONG_MIN/MAX, reported as out of range below.
        if ((errno && errno != ERANGE) || end == v || *end) {
            fprintf(stderr, "difftx %s: --%s %s: not a whole number\n", cmd, s->name, v);
            return 2;
        }
        if ((double)x < s->lo || (double)x > s->hi) {
            fprintf(stderr, "difftx %s: --%s %s: out of range, expected %.0f to %.0f\n", cmd, s->name, v, s->lo, s->hi);
            return 2;
        }
        if (s->type == ARG_INT) *(int *)s->value = (int)x;
        else *(long *)s->value = (long)x;
        return 0;
    }
    case ARG_DOUBLE: {
        double x = strtod(v, &end);
        if (errno == ERANGE && end != v && !*end && isinf(x)) {
            fprintf(stderr, "difftx %s: --%s %s: out of range, expected %g to %g\n", cmd, s->name, v, s->lo, s->hi);
            return 2;
        }
        if ((errno && errno != ERANGE) || end == v || *end || !isfinite(x)) {
            fprintf(stderr, "difftx %s: --%s %s: not a number\n", cmd, s->name, v);
            return 2;
        }
        if (x < s->lo || x > s->hi) {
            fprintf(stderr, "difftx %s: --%s %s: out of range, expected %g to %g\n", cmd, s->name, v, s->lo, s->hi);
            return 2;
        }
        *(double *)s->value = x;
        return 0;
    }
    case ARG_STRING:
        if (!*v) {
            fprintf(stderr, "difftx %s: --%s: empty value\n", cmd, s->name);
            return 2;
        }
        *(const char **)s->value = v;
        return 0;
    case ARG_CHOICE:
        for (int i = 0; i < 2; i++)
            if (!strcmp(v, s->choices[i])) {
                *(int *)s->value = i;
                return 0;
            }
        fprintf(stderr, "difftx %s: --%s %s: expected %s or %s\n", cmd, s->name, v, s->choices[0], s->choices[1]);
        return 2;
    case ARG_FLAG:
        *(int *)s->value = 1;
        return 0;
    }
    return 2;
}

int args_parse(const char *cmd, const char *synopsis, int argc, char **argv, ArgSpec *specs, int n_specs) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            args_help(cmd, synopsis, specs, n_specs);
            return 1;
        }
        if (strncmp(a, "--", 2)) {
            fprintf(stderr, "difftx %s: unexpected argument '%s' (flags start with --; see difftx %s --help)\n", cmd,
                    a, cmd);
            return 2;
        }
        char name[64];
        const char *eq = strchr(a + 2, '='), *val = NULL;
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof name) len = sizeof name - 1;
        memcpy(name, a + 2, len);
        name[len] = 0;
        ArgSpec *s = args_find(specs, n_specs, name);
        if (!s) {
            fprintf(stderr, "difftx %s: unknown flag --%s (see difftx %s --help)\n", cmd, name, cmd);
            return 2;
        }
        if (s->type == ARG_FLAG) {
            if (eq) {
                fprintf(stderr, "difftx %s: --%s takes no value\n", cmd, name);
                return 2;
            }
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "difftx %s: --%s needs a value\n", cmd, name);
            return 2;
        }
        int rc = set_value(cmd, s, val);
        if (rc) return rc;
        s->seen = 1;
    }
    return 0;
}

void args_help(const char *cmd, const char *synopsis, const ArgSpec *specs, int n_specs) {
    printf("usage: difftx %s %s\n\nflags:\n", cmd, synopsis);
    for (int i = 0; i < n_specs; i++) {
        const ArgSpec *s = &specs[i];
        char left[64];
        const char *meta = s->type == ARG_FLAG ? "" : s->type == ARG_STRING ? " TEXT" : s->type == ARG_CHOICE ? " NAME" : " N";
        snprintf(left, sizeof left, "--%s%s", s->name, meta);
        printf("  %-22s %s", left, s->help ? s->help : "");
        if (s->type == ARG_CHOICE) printf(" (%s or %s)", s->choices[0], s->choices[1]);
        printf("\n");
    }
}

int args_model_flags(ArgSpec *out, ModelConfig *c, int *batch) {
    const ArgSpec specs[ARGS_N_MODEL] = {
        {"attn", ARG_CHOICE, &c->attn, 0, 0, attn_names, "attention", 0},
        {"pos", ARG_CHOICE, &c->pos, 0, 0, pos_names, "positions", 0},
        {"norm", ARG_CHOICE, &c->norm, 0, 0, norm_names, "normalisation", 0},
        {"ffn", ARG_CHOICE, &c->ffn, 0, 0, ffn_names, "feed-forward", 0},
        {"ffn_hidden", ARG_INT, &c->ffn_hidden, 1, 1 << 20, NULL, "feed-forward width (default per SPEC)", 0},
        {"n_layer", ARG_INT, &c->n_layer, 1, 256, NULL, "blocks", 0},
        {"n_head", ARG_INT, &c->n_head, 1, 256, NULL, "attention heads (differential: pairs of them)", 0},
        {"n_embd", ARG_INT, &c->n_embd, 1, 16384, NULL, "model width C", 0},
        {"block_size", ARG_INT, &c->block_size, 1, 8192, NULL, "context length T", 0},
        {"batch", ARG_INT, batch, 1, 65536, NULL, "windows per step B", 0},
        {"no_subln", ARG_FLAG, &c->no_subln, 0, 0, NULL, "ablation: differential attention without its headwise norm", 0},
    };
    memcpy(out, specs, sizeof specs);
    return ARGS_N_MODEL;
}

int args_apply_preset(const char *cmd, int argc, char **argv, TrainOptions *o) {
    const char *preset = "baby";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--preset") && i + 1 < argc) preset = argv[i + 1];
        else if (!strncmp(argv[i], "--preset=", 9)) preset = argv[i] + 9;
    }
    memset(o, 0, sizeof *o);
    o->cfg = model_config_default();
    if (train_preset(preset, o)) {
        fprintf(stderr, "difftx %s: --preset %s: unknown preset, expected tiny, baby or laptop\n", cmd, preset);
        return 2;
    }
    return 0;
}
