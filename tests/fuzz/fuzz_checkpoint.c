// fuzz_checkpoint.c — libFuzzer target for the checkpoint reader: the
// safetensors parser (st_parse) and every model check of checkpoint_load, on
// arbitrary bytes. A file is either refused with a message that names it, or
// it loads into a model that can run a forward pass. Built by `make fuzz`.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Model m;
    Vocab v;
    real *am = NULL, *av = NULL;
    TrainState ts;
    char err[1024] = "";
    if (checkpoint_parse(data, size, "fuzz", &m, &v, &am, &av, &ts, err, sizeof err)) {
        // Every refusal is one message naming the file.
        if (strncmp(err, "fuzz: ", 6) || strchr(err, '\n')) {
            fprintf(stderr, "bad refusal message: \"%s\"\n", err);
            abort();
        }
        if (am || av) abort(); // nothing is handed out on failure
        return 0;
    }
    if (m.cfg.vocab_size != v.size || m.n_params == 0) abort();
    // A model that loads must run: one short window, if that is cheap.
    const int T = m.cfg.block_size < 4 ? m.cfg.block_size : 4;
    if (model_bytes_needed(&m.cfg, 1, T, 0) < 64.0 * 1024 * 1024 && !model_alloc_acts(&m, 1, T, err, sizeof err)) {
        int in[4], tg[4];
        for (int t = 0; t < T; t++) in[t] = t % v.size, tg[t] = (t + 1) % v.size;
        model_forward(&m, in, tg, 1, T);
    }
    free(am), free(av);
    model_free(&m);
    return 0;
}
