// checkpoint_text.c — a checkpoint and a text encoded with its vocabulary (see checkpoint_text.h).
#include "checkpoint_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "rng.h"

int ckpt_text_encode(const Vocab *v, const unsigned char *bytes, size_t n, int *tokens, const char *source, char *err,
                 size_t errlen) {
    size_t bad = 0;
    if (!vocab_encode(v, bytes, n, tokens, &bad)) return 0;
    char b[32];
    vocab_describe_byte(bytes[bad], b, sizeof b);
    snprintf(err, errlen, "%s: byte %s at offset %zu is not in the model's vocabulary (%d bytes)", source, b, bad,
             v->size);
    return -1;
}

int ckpt_text_open(CkptText *p, const char *model_path, const char *text_path, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    if (checkpoint_load(model_path, &p->m, &p->v, NULL, NULL, NULL, err, errlen)) return -1;
    if (data_load_text(text_path, &p->text, &p->n, err, errlen)) return -1;
    if (!(p->tokens = malloc(p->n * sizeof(int)))) {
        snprintf(err, errlen, "%s: out of memory for %zu tokens", text_path, p->n);
        return -1;
    }
    return ckpt_text_encode(&p->v, p->text, p->n, p->tokens, text_path, err, errlen);
}

void ckpt_text_close(CkptText *p) {
    free(p->text), free(p->tokens);
    model_free(&p->m);
    memset(p, 0, sizeof *p);
}

int ckpt_text_alloc(CkptText *p, int T, char *err, size_t errlen) {
    if (model_check_memory(&p->m.cfg, 1, T, 0, err, errlen)) return -1;
    return model_alloc_acts(&p->m, 1, T, err, errlen);
}

void ckpt_text_run(CkptText *p, size_t offset, int T) { model_forward(&p->m, p->tokens + offset, NULL, 1, T); }

void ckpt_text_windows(size_t n, int T, int windows, uint64_t seed, size_t *offsets) {
    Rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < windows; i++) offsets[i] = (size_t)rng_below(&r, (uint64_t)(n - (size_t)T) + 1);
}
