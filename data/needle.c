// needle.c — a character-level needle-in-a-haystack generator (a standalone
// C11 program, libc only), after the retrieval experiments of the
// Differential Transformer paper (Ye et al., ICLR 2025, Table 3): a key-value
// "needle" hidden at a chosen depth in filler text, and a query for its value
// at the end. `difftx needle` scores a model on the files it writes.
//
// FORMAT. One example per line, every line exactly LEN bytes including its
// '\n' (LEN = --len, or drawn per line from --len MIN-MAX):
//
//     <context>?<key>:<value>\n
//
//   key      3 lowercase letters, never one of the 3-letter filler words
//   value    3 digits
//   context  LEN - 9 bytes: a sequence of tokens, each followed by one space.
//            A token is a filler word or a needle `key:value` (8 bytes with
//            its space). There are K needles (--needles), with K different
//            keys and K different values; the query asks for one of them.
//   filler   the words of FILLER below (lengths 1 to 5), drawn uniformly, so
//            a model learns them quickly and can learn to ignore them.
//
//   e.g. the first line of: needle --n 3 --len 64 --needles 2 --depth 0.5 --seed 1
//     tree to an stone red is tod:185 river lys:704 wind sky ?tod:185
//
// DEPTH. With C = LEN - 9 context bytes and D = --depth, the queried needle's
// first byte is at offset s = D (C - 8) of the line, to within 3 bytes (4
// when K > 1 and LEN = 8K + 12, where all the filler is one 2-letter word):
// D = 0 starts the line with it, D = 1 puts it right before the query (up to
// one 2-letter filler word when C is odd). `--depth random` draws D uniformly
// for every line. Distractor needles (K > 1) go to random places around it.
//
// ALPHABET. The bytes are exactly ' ', ':', '?', '\n', '0'-'9', 'a'-'z' (40).
// A model's vocabulary is the set of bytes of its training file, so a file of
// a few hundred lines holds all 40 and the model accepts any test file; the
// program warns when the file it wrote lacks some of them.
//
// Flags (`--name value` or `--name=value`):
//   --n N            examples (lines)                                  default 1000
//   --len N|MIN-MAX  bytes per line, '\n' included; at least 8K + 11   default 128
//   --depth D        0..1, or `random`                                  default random
//   --needles K      needles per line, 1..100                           default 1
//   --seed S         the same seed and flags always write the same file default 1
//   --out FILE       where to write (required)
// Bad input: one line on stderr naming the flag, its value and what is
// expected; exit status 2 (usage) or 1 (the file could not be written).
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_BYTES 9  // "?abc:123\n"
#define NEEDLE_BYTES 8 // "abc:123 "
#define MAX_NEEDLES 100
#define MAX_LEN 1000000

// Every length from 1 to 5 occurs, so any run of R >= 2 bytes can be filled
// exactly with words and single spaces (see fill).
static const char *const FILLER[] = {"a",    "an",   "of",   "to",   "is",    "the",   "sun",   "sky",
                                     "red",  "blue", "rain", "tree", "wind",  "river", "stone", "green"};
#define N_FILLER (int)(sizeof FILLER / sizeof FILLER[0])
static const char ALPHABET[] = " :?\n0123456789abcdefghijklmnopqrstuvwxyz";

// ------------------------------------------------------------ random numbers

// splitmix64: one 64-bit state, passes BigCrush, identical on every platform.
typedef struct {
    uint64_t s;
} Rng;
static uint64_t rng_next(Rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
// uniform in [0, n); the modulo bias (< n / 2^64) is negligible here
static long rng_below(Rng *r, long n) { return n > 0 ? (long)(rng_next(r) % (uint64_t)n) : 0; }
static double rng_uniform(Rng *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

// floor(x) for |x| < 2^62, without libm (ceil(x) = -floor(-x))
static long floor_l(double x) {
    long i = (long)x; // truncates toward zero
    return (double)i > x ? i - 1 : i;
}

// ------------------------------------------------------------ one line

// Writes R bytes of filler (words each followed by a space) at out. R must be
// 0 or >= 2: a word w fits when len(w) + 1 <= R and does not leave exactly 1
// byte (no word fills it). For R >= 2 some word always fits (length R - 1
// when R <= 6), so drawing until one fits ends.
static char *fill(Rng *r, char *out, long R) {
    while (R > 0) {
        const char *w;
        long n;
        do {
            w = FILLER[rng_below(r, N_FILLER)];
            n = (long)strlen(w) + 1;
        } while (n > R || R - n == 1);
        memcpy(out, w, (size_t)n - 1);
        out[n - 1] = ' ';
        out += n, R -= n;
    }
    return out;
}

static int is_filler_word(const char *s, int n) {
    for (int i = 0; i < N_FILLER; i++)
        if ((int)strlen(FILLER[i]) == n && !memcmp(FILLER[i], s, (size_t)n)) return 1;
    return 0;
}

typedef struct {
    char key[3], value[3];
    long f;   // filler bytes before this needle
    int rank; // order among needles with equal f: 0 before the query's needle, 1 it, 2 after
} Needle;

// Draws K needles with distinct keys (none a filler word) and distinct values.
static void draw_needles(Rng *r, Needle *nd, int K) {
    for (int i = 0; i < K; i++) {
        int again;
        do {
            for (int j = 0; j < 3; j++) nd[i].key[j] = (char)('a' + rng_below(r, 26));
            for (int j = 0; j < 3; j++) nd[i].value[j] = (char)('0' + rng_below(r, 10));
            again = is_filler_word(nd[i].key, 3);
            for (int j = 0; j < i && !again; j++)
                again = !memcmp(nd[i].key, nd[j].key, 3) || !memcmp(nd[i].value, nd[j].value, 3);
        } while (again);
    }
}

// One example of L bytes into line (the needle asked for is nd[0]).
//
// Layout: with C = L - 9 context bytes and F = C - 8K filler bytes, needle i
// has f_i filler bytes before it. Every f_i is even and at most
// Fmax = F (F even) or F - 3 (F odd), so the filler runs between needles are
// even and the last one, F - f_last, is 0 or >= 2: every run can be filled.
// The queried needle starts at s = f_q + 8j, j = the needles before it. For
// the target t = D (C - 8), each j gives f_q = t - 8j rounded to even and
// clamped to [0, Fmax]; j is drawn among those that come nearest t (within
// rounding, so any j that fits is possible). The reachable starts are the
// even offsets in [8j, 8j + Fmax] for j < K, so |s - t| <= 3, or 4 when
// F = 3 and K > 1 (then Fmax = 0 and the starts are 8 apart).
static long place(double t, long j, long Fmax) {
    long f = 2 * floor_l((t - (double)NEEDLE_BYTES * j) / 2 + 0.5);
    return f < 0 ? 0 : f > Fmax ? Fmax : f;
}

static void make_line(Rng *r, char *line, long L, int K, double depth, Needle *nd) {
    const long C = L - QUERY_BYTES, F = C - (long)NEEDLE_BYTES * K, Fmax = F % 2 ? F - 3 : F;
    const double t = depth * (double)(C - NEEDLE_BYTES);
    draw_needles(r, nd, K);
    double err[MAX_NEEDLES], best = 1e300;
    for (long j = 0; j < K; j++) {
        const double e = (double)(place(t, j, Fmax) + NEEDLE_BYTES * j) - t;
        err[j] = e < 0 ? -e : e;
        best = err[j] < best ? err[j] : best;
    }
    const double tol = best > 1 ? best : 1;
    long n_best = 0, j = 0;
    for (long i = 0; i < K; i++) n_best += err[i] <= tol;
    for (long pick = rng_below(r, n_best);; j++)
        if (err[j] <= tol && pick-- == 0) break;
    const long fq = place(t, j, Fmax);
    nd[0].f = fq, nd[0].rank = 1;
    for (int i = 1; i < K; i++) { // j distractors before, the rest after
        const int before = i <= j;
        const long lo = before ? 0 : fq, hi = before ? fq : Fmax; // even bounds
        nd[i].f = lo + 2 * rng_below(r, (hi - lo) / 2 + 1);
        nd[i].rank = before ? 0 : 2;
    }
    // order by (f, rank): insertion sort, K is small
    for (int i = 1; i < K; i++)
        for (int k = i; k > 0 && (nd[k].f < nd[k - 1].f || (nd[k].f == nd[k - 1].f && nd[k].rank < nd[k - 1].rank));
             k--) {
            Needle tmp = nd[k];
            nd[k] = nd[k - 1], nd[k - 1] = tmp;
        }
    char *p = line;
    long prev = 0;
    const Needle *q = NULL;
    for (int i = 0; i < K; i++) {
        p = fill(r, p, nd[i].f - prev);
        prev = nd[i].f;
        memcpy(p, nd[i].key, 3), p[3] = ':', memcpy(p + 4, nd[i].value, 3), p[7] = ' ';
        p += NEEDLE_BYTES;
        if (nd[i].rank == 1) q = &nd[i];
    }
    p = fill(r, p, F - prev);
    *p++ = '?', memcpy(p, q->key, 3), p[3] = ':', memcpy(p + 4, q->value, 3), p[7] = '\n';
}

// ------------------------------------------------------------ flags

static int usage_error(const char *flag, const char *value, const char *expected) {
    fprintf(stderr, "needle: --%s %s: %s\n", flag, value, expected);
    return 2;
}

// Whole number in [lo, hi] from s (the whole string), or -1.
static int parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) return -1;
    *out = (long)x;
    return 0;
}

int main(int argc, char **argv) {
    long n = 1000, len_lo = 128, len_hi = 128, K = 1;
    unsigned long long seed = 1;
    double depth = -1; // -1: random
    const char *out = NULL, *len_arg = "128";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: needle --out FILE [--n N] [--len N|MIN-MAX] [--depth D|random] [--needles K] [--seed S]\n"
                   "Writes N needle-in-a-haystack lines (see the top of data/needle.c for the format).\n");
            return 0;
        }
        if (strncmp(a, "--", 2)) {
            fprintf(stderr, "needle: unexpected argument '%s' (flags start with --; see needle --help)\n", a);
            return 2;
        }
        char name[32];
        const char *eq = strchr(a + 2, '='), *v;
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), a + 2);
        if (strcmp(name, "n") && strcmp(name, "len") && strcmp(name, "depth") && strcmp(name, "needles") &&
            strcmp(name, "seed") && strcmp(name, "out")) {
            fprintf(stderr, "needle: unknown flag --%s (see needle --help)\n", name);
            return 2;
        }
        if (eq) v = eq + 1;
        else if (i + 1 < argc) v = argv[++i];
        else {
            fprintf(stderr, "needle: --%s needs a value\n", name);
            return 2;
        }
        if (!strcmp(name, "n")) {
            if (parse_long(v, 1, 100000000, &n)) return usage_error(name, v, "expected a whole number from 1 to 100000000");
        } else if (!strcmp(name, "len")) {
            len_arg = v;
            const char *dash = strchr(v, '-');
            char lo[32];
            if (dash && (size_t)(dash - v) < sizeof lo) {
                snprintf(lo, sizeof lo, "%.*s", (int)(dash - v), v);
                if (parse_long(lo, 1, MAX_LEN, &len_lo) || parse_long(dash + 1, 1, MAX_LEN, &len_hi) || len_lo > len_hi)
                    return usage_error(name, v, "expected N or MIN-MAX, whole numbers from 1 to 1000000, MIN <= MAX");
            } else if (parse_long(v, 1, MAX_LEN, &len_lo)) {
                return usage_error(name, v, "expected N or MIN-MAX, whole numbers from 1 to 1000000");
            } else {
                len_hi = len_lo;
            }
        } else if (!strcmp(name, "depth")) {
            char *end;
            errno = 0;
            if (!strcmp(v, "random")) depth = -1;
            else if ((depth = strtod(v, &end)), errno || end == v || *end || !(depth >= 0 && depth <= 1))
                return usage_error(name, v, "expected a number from 0 to 1, or random");
        } else if (!strcmp(name, "needles")) {
            if (parse_long(v, 1, MAX_NEEDLES, &K)) return usage_error(name, v, "expected a whole number from 1 to 100");
        } else if (!strcmp(name, "seed")) {
            char *end;
            errno = 0;
            seed = strtoull(v, &end, 10);
            if (errno || end == v || *end || *v == '-') return usage_error(name, v, "expected a whole number >= 0");
        } else if (!*v) {
            fprintf(stderr, "needle: --out: empty value\n");
            return 2;
        } else {
            out = v;
        }
    }
    if (!out) {
        fprintf(stderr, "needle: --out FILE is required\n");
        return 2;
    }
    const long min_len = NEEDLE_BYTES * K + QUERY_BYTES + 2;
    if (len_lo < min_len) {
        char want[160];
        snprintf(want, sizeof want,
                 "too short: %ld needle(s) of %d bytes, the query (%d bytes) and one filler word (2 bytes) need at "
                 "least %ld",
                 K, NEEDLE_BYTES, QUERY_BYTES, min_len);
        return usage_error("len", len_arg, want);
    }

    FILE *f = fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "needle: --out %s: cannot open for writing: %s\n", out, strerror(errno));
        return 1;
    }
    char *line = malloc((size_t)len_hi);
    Needle nd[MAX_NEEDLES];
    if (!line) {
        fprintf(stderr, "needle: out of memory for a line of %ld bytes\n", len_hi);
        fclose(f);
        return 1;
    }
    Rng r = {seed};
    int seen[256] = {0};
    double bytes = 0;
    for (long e = 0; e < n; e++) {
        const long L = len_lo + rng_below(&r, len_hi - len_lo + 1);
        const double D = depth < 0 ? rng_uniform(&r) : depth;
        make_line(&r, line, L, (int)K, D, nd);
        for (long i = 0; i < L; i++) seen[(unsigned char)line[i]] = 1;
        fwrite(line, 1, (size_t)L, f);
        bytes += (double)L;
    }
    free(line);
    int failed = ferror(f);
    failed |= fclose(f) != 0;
    if (failed) {
        fprintf(stderr, "needle: --out %s: writing failed: %s\n", out, strerror(errno));
        return 1;
    }
    char missing[2 * sizeof ALPHABET] = {0}; // a newline is written as \n
    int nm = 0, nseen = 0;
    for (const char *c = ALPHABET; *c; c++)
        if (!seen[(unsigned char)*c]) {
            if (*c == '\n') missing[nm++] = '\\', missing[nm++] = 'n';
            else missing[nm++] = *c;
        }
    for (int b = 0; b < 256; b++) nseen += seen[b];
    printf("needle: wrote %ld lines (%.0f bytes; len %s, depth ", n, bytes, len_arg);
    if (depth < 0) printf("random");
    else printf("%g", depth);
    printf(", %ld needle%s, seed %llu) to %s; %d of the %d symbols\n", K, K > 1 ? "s" : "", seed, out, nseen,
           (int)sizeof ALPHABET - 1);
    if (nm)
        fprintf(stderr,
                "needle: warning: %s lacks \"%s\"; a model trained on it refuses test lines holding those bytes "
                "(write more lines)\n",
                out, missing);
    return 0;
}
