// args.h — command-line flags: `--name value` and `--name=value`, each
// checked against its type and range, with one clear line on any mistake.
#ifndef DIFFTX_ARGS_H
#define DIFFTX_ARGS_H

#include "model.h"
#include "train.h"

typedef enum { ARG_INT, ARG_LONG, ARG_DOUBLE, ARG_STRING, ARG_CHOICE, ARG_FLAG } ArgType;

typedef struct {
    const char *name; // without the leading "--"
    ArgType type;
    void *value;      // int*, long*, double*, const char**, int* (choice index), int* (flag: set to 1)
    double lo, hi;    // inclusive range for numbers
    const char *const *choices; // for ARG_CHOICE: two names
    const char *help;
    int seen;         // set when the flag was given
} ArgSpec;

// Parses argv[1..argc) against specs. Returns 0, or 2 (usage error) after
// printing "difftx CMD: --flag VALUE: what is wrong" to stderr. `--help`
// prints the synopsis and the flags and returns 1 (the caller exits 0).
int args_parse(const char *cmd, const char *synopsis, int argc, char **argv, ArgSpec *specs, int n_specs);
void args_help(const char *cmd, const char *synopsis, const ArgSpec *specs, int n_specs);
ArgSpec *args_find(ArgSpec *specs, int n_specs, const char *name);

// The model's shape flags shared by train and bench (--attn --pos --norm --ffn
// --ffn_hidden --n_layer --n_head --n_embd --block_size --batch --no_subln), written
// into out[0..ARGS_N_MODEL). Returns ARGS_N_MODEL.
#define ARGS_N_MODEL 11
int args_model_flags(ArgSpec *out, ModelConfig *c, int *batch);

// Zeroes *o and applies the preset named by --preset in argv (default baby),
// before the other flags override it. 0, or 2 after a one-line error.
int args_apply_preset(const char *cmd, int argc, char **argv, TrainOptions *o);

#endif
