// data.h — text in, token ids out: a byte-level vocabulary, whole-file loading,
// the train/val split and random (input, target) windows for next-token training.
#ifndef DIFFTX_DATA_H
#define DIFFTX_DATA_H

#include <stddef.h>

#include "rng.h"

// Byte-level vocabulary: the distinct bytes of the training text in ascending
// order. Token id i stands for byte itos[i]; stoi[b] is the id of byte b, or
// -1 if b never occurs in the text.
typedef struct {
    int size;
    unsigned char itos[256];
    int stoi[256];
} Vocab;

void vocab_build(Vocab *v, const unsigned char *text, size_t n);

// out[i] = id of text[i]. Returns 0, or -1 with *bad_offset = index of the
// first byte that is not in the vocabulary (bad_offset may be NULL).
int vocab_encode(const Vocab *v, const unsigned char *text, size_t n, int *out, size_t *bad_offset);

// out[i] = byte of ids[i]. Precondition: 0 <= ids[i] < v->size.
void vocab_decode(const Vocab *v, const int *ids, size_t n, unsigned char *out);

// Write byte b readably for error messages: 'a', 0x0A (newline), 0xC3.
// Returns what snprintf returns.
int vocab_describe_byte(unsigned char b, char *buf, size_t len);

// Read a whole file into a fresh malloc'd buffer (*text, NUL-terminated for
// convenience; *n excludes the NUL). The caller frees *text. Returns 0, or -1
// with a message in err for a missing, unreadable, directory or empty path.
int data_load_text(const char *path, unsigned char **text, size_t *n, char *err, size_t errlen);

// Tokens [0, split) are for training, [split, n) for validation:
// split = floor(9n / 10). TinyShakespeare: 1,003,854 / 111,540.
size_t data_split_point(size_t n);

// Fill inputs and targets (each B*T ints, row b = window b) with B windows
// drawn uniformly: start s in [0, n - T - 1], inputs = tokens[s .. s+T),
// targets = tokens[s+1 .. s+T+1), i.e. each target is the next token.
// Precondition (checked by the caller): n >= T + 1, B >= 0, T >= 1.
void data_sample_batch(Rng *rng, const int *tokens, size_t n, int B, int T, int *inputs, int *targets);

#endif
