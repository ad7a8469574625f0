// fuzz_args.c — libFuzzer target for the command-line parser: the input is
// split on NUL bytes into the arguments of `difftx train` and given to
// train_parse_args (every flag type, presets, SPEC's rules and the memory
// check). It must return 0, 1 (help) or 2 (usage error, one line on stderr),
// and a 0 must mean a configuration SPEC allows. Built by `make fuzz`.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[257];
    int argc = 0;
    argv[argc++] = "train";
    for (size_t i = 0; i < size && argc < 256; i += strlen(buf + i) + 1) argv[argc++] = buf + i;
    argv[argc] = NULL;
    TrainOptions o;
    int rc = train_parse_args(argc, argv, &o);
    if (rc != 0 && rc != 1 && rc != 2) abort();
    if (rc == 0) {
        ModelConfig c = o.cfg;
        c.vocab_size = 256;
        if (!c.ffn_hidden) c.ffn_hidden = model_default_ffn_hidden(c.ffn, c.n_embd);
        char err[512];
        if (!o.resume && model_config_check(&c, err, sizeof err)) {
            fprintf(stderr, "accepted a configuration SPEC refuses: %s\n", err);
            abort();
        }
        if (o.batch < 1 || !o.data || !o.out) abort();
    }
    free(buf);
    return 0;
}
