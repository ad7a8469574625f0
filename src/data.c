// data.c — byte-level vocabulary, file loading, split and batch sampling.
#include "data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void vocab_build(Vocab *v, const unsigned char *text, size_t n) {
    // Marking each byte that occurs and then walking 0..255 yields the
    // distinct bytes already sorted, in O(n + 256).
    unsigned char seen[256] = {0};
    for (size_t i = 0; i < n; i++) seen[text[i]] = 1;
    v->size = 0;
    for (int b = 0; b < 256; b++) {
        v->stoi[b] = -1;
        if (seen[b]) {
            v->itos[v->size] = (unsigned char)b;
            v->stoi[b] = v->size++;
        }
    }
}

int vocab_encode(const Vocab *v, const unsigned char *text, size_t n, int *out, size_t *bad_offset) {
    for (size_t i = 0; i < n; i++) {
        int id = v->stoi[text[i]];
        if (id < 0) {
            if (bad_offset) *bad_offset = i;
            return -1;
        }
        out[i] = id;
    }
    return 0;
}

void vocab_decode(const Vocab *v, const int *ids, size_t n, unsigned char *out) {
    for (size_t i = 0; i < n; i++) out[i] = v->itos[ids[i]];
}

int vocab_describe_byte(unsigned char b, char *buf, size_t len) {
    const char *name = NULL;
    switch (b) {
    case '\0': name = "NUL"; break;
    case '\t': name = "tab"; break;
    case '\n': name = "newline"; break;
    case '\r': name = "carriage return"; break;
    case ' ': name = "space"; break;
    default: break;
    }
    if (name) return snprintf(buf, len, "0x%02X (%s)", (unsigned)b, name);
    if (b > 0x20 && b < 0x7F) return snprintf(buf, len, "'%c'", b);
    return snprintf(buf, len, "0x%02X", (unsigned)b);
}

// Does s end with suffix? Used to recognise the TinyShakespeare path.
static int ends_with(const char *s, const char *suffix) {
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int data_load_text(const char *path, unsigned char **text, size_t *n, char *err, size_t errlen) {
    *text = NULL;
    *n = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        if (e == ENOENT && ends_with(path, "tinyshakespeare/input.txt"))
            snprintf(err, errlen, "%s: no such file. Run `make data` (from the repo root) to fetch TinyShakespeare.", path);
        else if (e == ENOENT)
            snprintf(err, errlen, "%s: no such file. Check the path.", path);
        else
            snprintf(err, errlen, "%s: cannot access: %s.", path, strerror(e));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is a directory; pass the path of a text file inside it.", path);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s is empty (0 bytes); there is nothing to train on. Check the file (re-run `make data` for TinyShakespeare).", path);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open for reading: %s. Check its permissions.", path, strerror(errno));
        return -1;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size + 1);
    if (!buf) {
        snprintf(err, errlen, "%s: cannot allocate %zu bytes to read it.", path, size + 1);
        fclose(f);
        return -1;
    }
    size_t got = fread(buf, 1, size, f);
    int read_failed = ferror(f);
    fclose(f);
    if (read_failed || got != size) {
        snprintf(err, errlen, "%s: read %zu of %zu bytes (%s). Was the file changed while reading?",
                 path, got, size, read_failed ? "read error" : "file shrank");
        free(buf);
        return -1;
    }
    buf[size] = '\0';
    *text = buf;
    *n = size;
    return 0;
}

size_t data_split_point(size_t n) {
    // floor(9n/10) without computing 9n, which could overflow for huge n:
    // n = 10q + r  =>  9n/10 = 9q + 9r/10, and 9r < 90 cannot overflow.
    return n / 10 * 9 + n % 10 * 9 / 10;
}

void data_sample_batch(Rng *rng, const int *tokens, size_t n, int B, int T, int *inputs, int *targets) {
    // A window needs T inputs plus one more token for the last target, so the
    // last valid start is n - T - 1: there are n - T possible starts.
    size_t starts = n - (size_t)T;
    for (int b = 0; b < B; b++) {
        size_t s = (size_t)rng_below(rng, starts);
        memcpy(inputs + (size_t)b * T, tokens + s, (size_t)T * sizeof *tokens);
        memcpy(targets + (size_t)b * T, tokens + s + 1, (size_t)T * sizeof *tokens);
    }
}
