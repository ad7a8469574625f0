// checkpoint_text.h — a checkpoint and a text encoded with its vocabulary:
// how `difftx eval`, `sample`, `attn`, `outliers` and `needle` read their
// --model and --text.
#ifndef DIFFTX_CHECKPOINT_TEXT_H
#define DIFFTX_CHECKPOINT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "model.h"

// A checkpoint and a text encoded with its vocabulary.
typedef struct {
    Model m;
    Vocab v;
    unsigned char *text; // [n] the bytes of the text file
    int *tokens;         // [n] their token ids
    size_t n;
} CkptText;

// Loads the checkpoint and the text and encodes the whole text, refusing a
// missing, unreadable or empty file, a broken checkpoint, a byte the
// vocabulary lacks (ckpt_text_encode, with the text's path). 0 ok, or -1 with one
// line in err. ckpt_text_close frees everything, also after a failure. How
// `difftx eval`, `attn`, `outliers` and `needle` read their --model and --text.
int ckpt_text_open(CkptText *p, const char *model_path, const char *text_path, char *err, size_t errlen);
void ckpt_text_close(CkptText *p);

// Encodes bytes[0, n) into tokens ([n]) with v. A byte v lacks is refused as
// "SOURCE: byte B at offset N is not in the model's vocabulary (V bytes)"
// (B as vocab_describe_byte names it; SOURCE a path, or "--prompt" for
// `difftx sample`): 0 ok, or -1 with that line in err.
int ckpt_text_encode(const Vocab *v, const unsigned char *bytes, size_t n, int *tokens, const char *source, char *err,
                 size_t errlen);

// Activations for one window of T <= block_size tokens, after checking the
// machine's memory. 0 ok, -1 with a message.
int ckpt_text_alloc(CkptText *p, int T, char *err, size_t errlen);

// The model on tokens[offset, offset + T) as a batch of one (positions 0..T-1
// inside the window); afterwards p->m.layer[l] holds that window's activations.
// Precondition: ckpt_text_alloc(p, >= T) and offset + T <= n.
void ckpt_text_run(CkptText *p, size_t offset, int T);

// `windows` offsets drawn uniformly from [0, n - T] by an Rng seeded with seed
// (one rng_below each, in order), so a seed names the same windows on every
// machine. offsets: [windows]. Precondition: 1 <= T <= n.
void ckpt_text_windows(size_t n, int T, int windows, uint64_t seed, size_t *offsets);

#endif
