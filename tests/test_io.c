// test_io.c — files, JSON, safetensors and SVG: round trips, and refusal of
// every kind of broken input with a message that says what is wrong.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/file.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "io/svg.h"

// ---- helpers ----------------------------------------------------------------

// Every test works inside one temporary directory, removed at the end.
typedef struct {
    char dir[64];
} Ctx;

static void path_in(void **state, const char *name, char *out, size_t cap) {
    const Ctx *c = *state;
    snprintf(out, cap, "%s/%s", c->dir, name);
}

static void remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0700);  // the read-only test may have left it locked
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
                char sub[512];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                remove_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int group_setup(void **state) {
    Ctx *c = calloc(1, sizeof *c);
    if (!c) return -1;
    strcpy(c->dir, "/tmp/difftx_test_io_XXXXXX");
    if (!mkdtemp(c->dir)) {
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

static int group_teardown(void **state) {
    Ctx *c = *state;
    remove_tree(c->dir);
    free(c);
    return 0;
}

static void write_raw(const char *path, const void *data, size_t len) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (len) assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static int file_equals(const char *path, const char *expected) {
    unsigned char *data;
    size_t len;
    char err[256];
    if (file_read_all(path, &data, &len, err, sizeof err) != 0) return 0;
    int same = len == strlen(expected) && memcmp(data, expected, len) == 0;
    free(data);
    return same;
}

// Counts directory entries whose name contains ".tmp." (leftover temp files).
static int count_temp_files(const char *dir) {
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

// An in-memory safetensors file: 8-byte length, header, data bytes.
static unsigned char *make_st(const char *header, size_t data_len, size_t *len) {
    size_t n = strlen(header);
    *len = 8 + n + data_len;
    unsigned char *buf = calloc(*len, 1);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, header, n);
    for (size_t i = 0; i < data_len; i++) buf[8 + n + i] = (unsigned char)i;
    return buf;
}

// ---- file -------------------------------------------------------------------

static void test_file_read_all(void **state) {
    char path[256], err[512];
    unsigned char *data;
    size_t len;

    path_in(state, "hello.txt", path, sizeof path);
    write_raw(path, "hello", 5);
    assert_int_equal(file_read_all(path, &data, &len, err, sizeof err), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "hello", 5);
    assert_int_equal(data[5], 0);  // the documented extra NUL
    free(data);

    path_in(state, "empty.txt", path, sizeof path);
    write_raw(path, "", 0);
    assert_int_equal(file_read_all(path, &data, &len, err, sizeof err), 0);
    assert_int_equal(len, 0);
    assert_non_null(data);
    free(data);

    path_in(state, "missing.txt", path, sizeof path);
    assert_int_equal(file_read_all(path, &data, &len, err, sizeof err), -1);
    assert_null(data);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file"));

    const Ctx *c = *state;
    assert_int_equal(file_read_all(c->dir, &data, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, c->dir));
    assert_non_null(strstr(err, "directory"));
}

static void test_file_write_atomic(void **state) {
    const Ctx *c = *state;
    char path[256], err[512];
    path_in(state, "atomic.txt", path, sizeof path);
    assert_int_equal(file_write_atomic(path, "first", 5, err, sizeof err), 0);
    assert_true(file_equals(path, "first"));
    assert_int_equal(file_write_atomic(path, "second!", 7, err, sizeof err), 0);
    assert_true(file_equals(path, "second!"));
    assert_int_equal(file_write_atomic(path, "", 0, err, sizeof err), 0);
    assert_true(file_equals(path, ""));

    const void *parts[3] = {"ab", "", "cde"};
    size_t lens[3] = {2, 0, 3};
    assert_int_equal(file_write_atomic_parts(path, parts, lens, 3, err, sizeof err), 0);
    assert_true(file_equals(path, "abcde"));

    // The target is a directory: rename must fail, the directory and its
    // contents survive, and no temp file is left behind.
    char dir[256], inner[300];
    path_in(state, "adir", dir, sizeof dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep.txt", dir);
    write_raw(inner, "keep", 4);
    assert_int_equal(file_write_atomic(dir, "x", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, dir));
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_true(file_equals(inner, "keep"));
    assert_int_equal(count_temp_files(c->dir), 0);

    // A missing parent directory: the temp file cannot even be created.
    path_in(state, "no/such/dir/file.txt", path, sizeof path);
    assert_int_equal(file_write_atomic(path, "x", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file"));
}

static void test_file_write_atomic_readonly_dir(void **state) {
    if (geteuid() == 0) {
        // root ignores directory permissions, so the write would succeed.
        skip();
    }
    char dir[256], path[300], err[512];
    path_in(state, "ro", dir, sizeof dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/old.txt", dir);
    write_raw(path, "old", 3);
    assert_int_equal(chmod(dir, 0555), 0);
    int rc = file_write_atomic(path, "new", 3, err, sizeof err);
    chmod(dir, 0755);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, path));
    assert_true(file_equals(path, "old"));
    assert_int_equal(count_temp_files(dir), 0);
}

// ---- JSON -------------------------------------------------------------------

static void test_json_accepts(void **state) {
    (void)state;
    static const struct {
        const char *text;
        JsonType type;
    } cases[] = {
        {"{}", JSON_OBJECT},
        {"[]", JSON_ARRAY},
        {" \t\r\n[ ] \n", JSON_ARRAY},
        {"null", JSON_NULL},
        {"true", JSON_BOOL},
        {"false", JSON_BOOL},
        {"0", JSON_NUMBER},
        {"-0", JSON_NUMBER},
        {"-12.5e-3", JSON_NUMBER},
        {"1E+2", JSON_NUMBER},
        {"1e-400", JSON_NUMBER},  // underflows to 0, which is representable
        {"\"\"", JSON_STRING},
        {"\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", JSON_STRING},
        {"\"\\u00e9\\ud83d\\ude00 \xc3\xa9 \xf0\x9f\x98\x80\"", JSON_STRING},
        {"{\"a\":{\"b\":[true,false,null,1,\"x\",{}]}}", JSON_OBJECT},
        {"{\"a\":1,\"A\":2,\"a \":3}", JSON_OBJECT},  // keys differ only slightly
        {"[1,[2,[3,[4]]]]", JSON_ARRAY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        JsonValue *v = json_parse(cases[i].text, strlen(cases[i].text), err, sizeof err);
        if (!v) print_error("case %zu (%s) rejected: %s\n", i, cases[i].text, err);
        assert_non_null(v);
        assert_int_equal(json_type(v), cases[i].type);
        json_free(v);
    }
}

static void test_json_rejects(void **state) {
    (void)state;
    static const struct {
        const char *text;
        size_t len;  // 0: use strlen
        const char *word;
    } cases[] = {
        {"", 0, "end of input"},
        {"   ", 0, "end of input"},
        {"{", 0, "string key"},
        {"[1,]", 0, "expected a value"},
        {"[1 2]", 0, "expected ','"},
        {"{\"a\":1,}", 0, "string key"},
        {"{\"a\" 1}", 0, "':'"},
        {"{1:2}", 0, "string key"},
        {"{'a':1}", 0, "string key"},
        {"01", 0, "leading zero"},
        {"-", 0, "digit"},
        {"1.", 0, "digit after '.'"},
        {".5", 0, "expected a value"},
        {"+1", 0, "expected a value"},
        {"1e", 0, "exponent"},
        {"1e+", 0, "exponent"},
        {"1e999", 0, "out of range"},
        {"-1e999", 0, "out of range"},
        {"NaN", 0, "expected a value"},
        {"Infinity", 0, "expected a value"},
        {"tru", 0, "expected a value"},
        {"nul", 0, "expected a value"},
        {"truex", 0, "after the end"},
        {"[1] x", 0, "after the end"},
        {"{}{}", 0, "after the end"},
        {"\"abc", 0, "not terminated"},
        {"\"a\\\"", 0, "not terminated"},
        {"\"a\x01\"", 0, "control character"},
        {"\"a\nb\"", 0, "control character"},
        {"\"\\q\"", 0, "invalid escape"},
        {"\"\\u12\"", 0, "hex digits"},
        {"\"\\u12g4\"", 0, "hex digits"},
        {"\"\\ud800\"", 0, "surrogate"},
        {"\"\\ud800\\u0041\"", 0, "surrogate"},
        {"\"\\udc00\"", 0, "surrogate"},
        {"\"\xff\"", 0, "UTF-8"},
        {"\"\xc0\x80\"", 0, "UTF-8"},          // overlong NUL
        {"\"\xed\xa0\x80\"", 0, "UTF-8"},      // encoded surrogate
        {"\"\xf4\x90\x80\x80\"", 0, "UTF-8"},  // above U+10FFFF
        {"\"\xe2\x82\"", 0, "UTF-8"},          // truncated sequence
        {"{\"a\":1,\"b\":2,\"a\":3}", 0, "duplicate key \"a\""},
        {"[1]\0", 4, "after the end"},
        {"[\0]", 3, "expected a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        JsonValue *v = json_parse(cases[i].text, len, err, sizeof err);
        if (v || !strstr(err, cases[i].word) || strncmp(err, "byte ", 5) != 0)
            print_error("case %zu (%s): expected an error containing \"%s\", got \"%s\"\n", i, cases[i].text,
                        cases[i].word, v ? "(accepted)" : err);
        assert_null(v);
        assert_non_null(strstr(err, cases[i].word));
        assert_int_equal(strncmp(err, "byte ", 5), 0);
    }
    // The offset points at the problem.
    char err[256];
    assert_null(json_parse("[1, 2, x]", 9, err, sizeof err));
    assert_non_null(strstr(err, "byte 7:"));
    assert_null(json_parse("{\"a\":1,\"a\":2}", 13, err, sizeof err));
    assert_non_null(strstr(err, "byte 7:"));
}

static void test_json_values(void **state) {
    (void)state;
    const char *text = "{\"z\": -1.5e2, \"a\": [10, \"s\\u0000t\", true], \"m\": 18446744073709551615,"
                       " \"big\": 18446744073709551616, \"f\": 2.0}";
    char err[256];
    JsonValue *v = json_parse(text, strlen(text), err, sizeof err);
    assert_non_null(v);
    assert_int_equal(json_size(v), 5);
    // Keys keep input order.
    assert_string_equal(json_key_at(v, 0), "z");
    assert_string_equal(json_key_at(v, 1), "a");
    assert_string_equal(json_key_at(v, 4), "f");
    assert_null(json_key_at(v, 5));
    const JsonValue *z = json_get(v, "z");
    assert_true(fabs(json_number(z) + 150.0) < 1e-12);
    assert_string_equal(json_number_text(z), "-1.5e2");
    const JsonValue *a = json_get(v, "a");
    assert_int_equal(json_type(a), JSON_ARRAY);
    assert_int_equal(json_size(a), 3);
    assert_true(fabs(json_number(json_at(a, 0)) - 10.0) < 1e-12);
    const JsonValue *s = json_at(a, 1);
    assert_int_equal(s->text_len, 3);  // "s", NUL, "t"
    assert_memory_equal(json_string(s), "s\0t", 3);
    assert_true(json_bool(json_at(a, 2)));
    assert_null(json_at(a, 3));
    assert_null(json_get(v, "missing"));
    assert_null(json_get(a, "z"));  // not an object

    uint64_t u;
    assert_int_equal(json_uint64(json_get(v, "m"), &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(json_uint64(json_get(v, "big"), &u), -1);  // one more than UINT64_MAX
    assert_int_equal(json_uint64(json_get(v, "f"), &u), -1);    // 2.0 is not written as an integer
    assert_int_equal(json_uint64(z, &u), -1);
    assert_int_equal(json_uint64(json_at(a, 0), &u), 0);
    assert_true(u == 10);
    json_free(v);

    // "\u00e9\ud83d\ude00" decodes to UTF-8 é (2 bytes) and 😀 (4 bytes).
    const char *t2 = "\"\\u00e9\\ud83d\\ude00\"";
    v = json_parse(t2, strlen(t2), err, sizeof err);
    assert_non_null(v);
    assert_string_equal(json_string(v), "\xc3\xa9\xf0\x9f\x98\x80");
    json_free(v);
}

static void test_json_depth(void **state) {
    (void)state;
    char text[2 * (JSON_MAX_DEPTH + 1) + 1], err[256];
    for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
        int n = 0;
        for (int i = 0; i < depth; i++) text[n++] = '[';
        for (int i = 0; i < depth; i++) text[n++] = ']';
        JsonValue *v = json_parse(text, (size_t)n, err, sizeof err);
        if (depth <= JSON_MAX_DEPTH) {
            assert_non_null(v);
            json_free(v);
        } else {
            assert_null(v);
            assert_non_null(strstr(err, "deeper"));
        }
    }
    // Deep nesting far beyond the limit must be refused without recursing deeply.
    size_t n = 1000000;
    char *deep = malloc(n);
    assert_non_null(deep);
    memset(deep, '[', n);
    assert_null(json_parse(deep, n, err, sizeof err));
    free(deep);
}

static void test_json_escape_roundtrip(void **state) {
    (void)state;
    char original[160];
    size_t n = 0;
    for (int c = 1; c < 128; c++) original[n++] = (char)c;
    memcpy(original + n, "\xc3\xa9\xf0\x9f\x98\x80", 6);  // é 😀
    n += 6;
    size_t need = json_escape(NULL, 0, original, n);
    char *quoted = malloc(need + 3);
    assert_non_null(quoted);
    quoted[0] = '"';
    assert_int_equal(json_escape(quoted + 1, need + 1, original, n), need);
    quoted[need + 1] = '"';
    quoted[need + 2] = '\0';
    char err[256];
    JsonValue *v = json_parse(quoted, need + 2, err, sizeof err);
    if (!v) print_error("%s\n", err);
    assert_non_null(v);
    assert_int_equal(v->text_len, n);
    assert_memory_equal(v->text, original, n);
    json_free(v);

    // Truncation works like snprintf: always NUL-terminated, full length returned.
    char small[5];
    assert_int_equal(json_escape(small, sizeof small, "a\"bcdef", 7), 8);
    assert_string_equal(small, "a\\\"b");
    free(quoted);
}

// ---- safetensors --------------------------------------------------------------

static void test_st_roundtrip(void **state) {
    char path[256], err[512];
    path_in(state, "round.safetensors", path, sizeof path);

    float f32[12];
    for (int i = 0; i < 12; i++) f32[i] = (float)i * 0.5f - 1.0f;
    f32[3] = -0.0f;
    uint32_t nan_bits = 0x7fc00123u;  // a NaN with a payload must survive bit for bit
    memcpy(&f32[4], &nan_bits, 4);
    const unsigned char vocab[5] = {'h', 'e', 'l', 'l', 0xff};
    const double f64[4] = {1.0 / 3.0, -2.5e-300, 1e300, 0.0};
    const int32_t i32[3] = {INT32_MIN, -1, INT32_MAX};
    const int64_t i64[2] = {INT64_MIN, INT64_MAX};
    const uint16_t f16[3] = {0x3c00, 0xc000, 0x7bff};
    const uint16_t bf16[3] = {0x3f80, 0xbf80, 0x4049};
    const float scalar = 3.25f;

    const StOut out[] = {
        {"tok_emb", ST_F32, 2, {3, 4}, f32},
        {"tokenizer.vocab", ST_U8, 1, {5}, vocab},
        {"w64", ST_F64, 2, {2, 2}, f64},
        {"ids", ST_I32, 1, {3}, i32},
        {"big", ST_I64, 1, {2}, i64},
        {"half", ST_F16, 1, {3}, f16},
        {"brain \"half\" \xc3\xa9", ST_BF16, 2, {1, 3}, bf16},
        {"scalar", ST_F32, 0, {0}, &scalar},
        {"empty", ST_F32, 2, {0, 7}, NULL},
    };
    const int n = (int)(sizeof out / sizeof out[0]);
    const char *keys[] = {"format", "version", "note"};
    const char *vals[] = {"difftx", "1", "line1\nline2 \"quoted\" \\ tab\t \xc3\xa9"};
    assert_int_equal(st_write(path, out, n, keys, vals, 3, err, sizeof err), 0);

    StFile f;
    int rc = st_read(path, &f, err, sizeof err);
    if (rc) print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(f.n_tensors, n);
    for (int i = 0; i < n; i++) {
        const StTensor *t = &f.tensors[i];
        assert_string_equal(t->name, out[i].name);  // header order = given order
        assert_ptr_equal(st_find(&f, out[i].name), t);
        assert_int_equal(t->dtype, out[i].dtype);
        assert_int_equal(t->ndim, out[i].ndim);
        size_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            assert_true(t->shape[d] == out[i].shape[d]);
            numel *= (size_t)out[i].shape[d];
        }
        assert_int_equal(t->numel, numel);
        assert_int_equal(t->nbytes, numel * st_dtype_size(out[i].dtype));
        if (t->nbytes) assert_memory_equal(t->data, out[i].data, t->nbytes);
        // Every tensor is aligned to its element size within the file.
        assert_int_equal((size_t)(t->data - f.buf) % st_dtype_size(t->dtype), 0);
    }
    assert_null(st_find(&f, "nope"));

    // The data section starts 8-byte aligned and holds exactly the tensors,
    // packed without gaps or trailing bytes (as strict readers require).
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | f.buf[i];
    assert_int_equal((8 + hlen) % 8, 0);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += f.tensors[i].nbytes;
    assert_int_equal(total, f.len - 8 - hlen);
    assert_int_equal(memcmp(f.buf + 8, "{\"__metadata__\":{", 17), 0);  // metadata first

    assert_int_equal(f.n_meta, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(f.meta_keys[i], keys[i]);
        assert_string_equal(st_meta(&f, keys[i]), vals[i]);
    }
    assert_null(st_meta(&f, "missing"));

    // The same bytes parse from memory too.
    StFile g;
    assert_int_equal(st_parse(f.buf, f.len, "mem", &g, err, sizeof err), 0);
    assert_int_equal(g.n_tensors, n);
    st_free(&g);
    st_free(&f);
    st_free(&f);  // freeing twice is harmless: st_free empties the struct

    // No tensors and no metadata is a valid (if useless) file.
    assert_int_equal(st_write(path, NULL, 0, NULL, NULL, 0, err, sizeof err), 0);
    assert_int_equal(st_read(path, &f, err, sizeof err), 0);
    assert_int_equal(f.n_tensors, 0);
    assert_int_equal(f.n_meta, 0);
    st_free(&f);
}

static void test_st_write_rejects(void **state) {
    const Ctx *c = *state;
    char path[256], err[512];
    path_in(state, "bad_write.safetensors", path, sizeof path);
    float x[4] = {0};
    const char *k2[] = {"a", "a"}, *v2[] = {"1", "2"};
    const struct {
        StOut t[2];
        int n;
        const char *word;
    } cases[] = {
        {{{"a", ST_F32, 1, {4}, x}, {"a", ST_F32, 1, {4}, x}}, 2, "used twice"},
        {{{"__metadata__", ST_F32, 1, {4}, x}}, 1, "invalid name"},
        {{{"bad\xff", ST_F32, 1, {4}, x}}, 1, "invalid name"},
        {{{NULL, ST_F32, 1, {4}, x}}, 1, "invalid name"},
        {{{"a", (StDtype)99, 1, {4}, x}}, 1, "unknown dtype"},
        {{{"a", ST_F32, 9, {4}, x}}, 1, "dimensions"},
        {{{"a", ST_F32, 1, {-4}, x}}, 1, "negative"},
        {{{"a", ST_F32, 3, {INT64_MAX, INT64_MAX, 2}, x}}, 1, "too large"},
        {{{"a", ST_F32, 1, {4}, NULL}}, 1, "no data"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        assert_int_equal(st_write(path, cases[i].t, cases[i].n, NULL, NULL, 0, err, sizeof err), -1);
        if (!strstr(err, cases[i].word)) print_error("case %zu: \"%s\"\n", i, err);
        assert_non_null(strstr(err, cases[i].word));
        assert_non_null(strstr(err, path));
    }
    StOut ok = {"a", ST_F32, 1, {4}, x};
    assert_int_equal(st_write(path, &ok, 1, k2, v2, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "used twice"));
    // Nothing was written, not even a temp file.
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(count_temp_files(c->dir), 0);
}

// Headers for the corruption table. All files carry 16 data bytes unless a
// case says otherwise.
#define T_OK "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"

static void test_st_corrupt(void **state) {
    static const struct {
        const char *header;
        const char *word;
    } cases[] = {
        {"{\"a\":" T_OK, "not valid JSON"},
        {"{\"a\":" T_OK "} x", "not valid JSON"},
        {"", "not valid JSON"},
        {"[1,2]", "expected a JSON object"},
        {"{\"a\":[1]}", "expected an object with dtype"},
        {"{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "no \"dtype\""},
        {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "no \"shape\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "no \"data_offsets\""},
        {"{\"a\":{\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,8]}}", "dtype is a number"},
        {"{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype \"F8\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", "shape is a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "negative"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "plain integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}", "plain integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", "non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808],\"data_offsets\":[0,8]}}", "too large"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}",
         "overflow"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", "at most 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "[begin, end]"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"b\":0}}}", "[begin, end]"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "begin after end"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]}}", "negative"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", "plain integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1000,1008]}}", "beyond the end of the data"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "needs 8 bytes"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", "needs 8 bytes"},
        {"{\"a\":" T_OK ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "overlap"},
        {"{\"a\":" T_OK ",\"b\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[0,16]}}", "overlap"},
        {"{\"a\":" T_OK ",\"a\":" T_OK "}", "duplicate key \"a\""},
        {"{\"a\\u0000b\":" T_OK "}", "NUL"},
        {"{\"__metadata__\":{\"k\":1}}", "expected a string"},
        {"{\"__metadata__\":[]}", "__metadata__ is an array"},
        {"{\"__metadata__\":{\"k\":\"v\\u0000w\"}}", "NUL"},
    };
    char path[256], err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        unsigned char *buf = make_st(cases[i].header, 16, &len);
        char name[64];
        snprintf(name, sizeof name, "corrupt_%02zu.safetensors", i);
        path_in(state, name, path, sizeof path);
        write_raw(path, buf, len);
        free(buf);
        StFile f;
        err[0] = '\0';
        int rc = st_read(path, &f, err, sizeof err);
        if (rc == 0 || !strstr(err, cases[i].word))
            print_error("case %zu (%s): expected an error with \"%s\", got \"%s\"\n", i, cases[i].header,
                        cases[i].word, rc == 0 ? "(accepted)" : err);
        if (getenv("DIFFTX_TEST_VERBOSE")) print_message("%s\n", err);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err, cases[i].word));
        assert_non_null(strstr(err, path));
        assert_null(f.buf);  // left empty
        assert_int_equal(f.n_tensors, 0);
        st_free(&f);
    }

    // Damage to the 8-byte length itself.
    StFile f;
    path_in(state, "short.safetensors", path, sizeof path);
    write_raw(path, "\x02\x00\x00", 3);
    assert_int_equal(st_read(path, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "too short (3 bytes)"));

    unsigned char hdr[16] = {0xff, 0xe0, 0xf5, 0x05, 0, 0, 0, 0, '{', '}'};  // 99999999
    path_in(state, "longheader.safetensors", path, sizeof path);
    write_raw(path, hdr, 10);
    assert_int_equal(st_read(path, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "header length 99999999 is larger than the file (10 bytes)"));

    unsigned char huge[10] = {0x00, 0xc2, 0xeb, 0x0b, 0, 0, 0, 0, '{', '}'};  // 200000000
    assert_int_equal(st_parse(huge, sizeof huge, "huge", &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds the limit"));
    unsigned char max[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'};
    assert_int_equal(st_parse(max, sizeof max, "max", &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "18446744073709551615"));

    // A missing file and a directory are refused by the file layer.
    path_in(state, "absent.safetensors", path, sizeof path);
    assert_int_equal(st_read(path, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

static void test_st_accepts_padding(void **state) {
    (void)state;
    char err[512];
    StFile f;
    // Trailing spaces in the header and unused bytes after the data are allowed.
    size_t len;
    unsigned char *buf = make_st("{\"a\":" T_OK "}      ", 16, &len);
    assert_int_equal(st_parse(buf, len, "pad", &f, err, sizeof err), 0);
    assert_int_equal(f.n_tensors, 1);
    assert_int_equal(f.tensors[0].nbytes, 8);
    assert_ptr_equal(f.tensors[0].data, f.buf + len - 16);
    st_free(&f);
    free(buf);
    // Zero-sized tensors occupy no bytes, so they overlap nothing.
    buf = make_st("{\"a\":" T_OK ",\"e\":{\"dtype\":\"F64\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                  "\"s\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[8,9]}}",
                  9, &len);
    assert_int_equal(st_parse(buf, len, "zero", &f, err, sizeof err), 0);
    assert_int_equal(f.n_tensors, 3);
    assert_int_equal(st_find(&f, "e")->numel, 0);
    assert_int_equal(st_find(&f, "s")->numel, 1);  // a scalar has one element
    assert_int_equal(st_find(&f, "s")->ndim, 0);
    st_free(&f);
    free(buf);
}

// Writes a small valid file and returns its bytes.
static unsigned char *small_valid_file(void **state, size_t *len) {
    char path[256], err[512];
    path_in(state, "small.safetensors", path, sizeof path);
    const float w[6] = {1, 2, 3, 4, 5, 6};
    const unsigned char v[3] = {'a', 'b', 'c'};
    const StOut out[] = {{"w", ST_F32, 2, {2, 3}, w}, {"v", ST_U8, 1, {3}, v}};
    const char *k[] = {"format"}, *val[] = {"difftx"};
    assert_int_equal(st_write(path, out, 2, k, val, 1, err, sizeof err), 0);
    unsigned char *data;
    assert_int_equal(file_read_all(path, &data, len, err, sizeof err), 0);
    return data;
}

static void test_st_truncation(void **state) {
    size_t len;
    unsigned char *data = small_valid_file(state, &len);
    char err[512];
    StFile f;
    assert_int_equal(st_parse(data, len, "whole", &f, err, sizeof err), 0);
    st_free(&f);
    // Every proper prefix is refused: the header or the last tensor is cut.
    for (size_t k = 0; k < len; k++) {
        err[0] = '\0';
        if (st_parse(data, k, "cut", &f, err, sizeof err) != -1) print_error("prefix of %zu bytes accepted\n", k);
        assert_int_equal(st_parse(data, k, "cut", &f, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
    // And from disk, for a few lengths.
    char path[256];
    path_in(state, "cut.safetensors", path, sizeof path);
    size_t cuts[] = {0, 7, 8, 20, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_raw(path, data, cuts[i]);
        assert_int_equal(st_read(path, &f, err, sizeof err), -1);
        assert_non_null(strstr(err, path));
    }
    free(data);
}

// Flips bits everywhere in a valid file. Most results are refused, some are
// still valid; none may crash or read out of bounds (run under ASan).
static void test_st_bit_flips(void **state) {
    size_t len;
    unsigned char *data = small_valid_file(state, &len);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    char err[512];
    static const unsigned char masks[] = {0x01, 0x02, 0x10, 0x20, 0x80, 0xff};
    int accepted = 0, refused = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(copy, data, len);
            copy[i] ^= masks[m];
            StFile f;
            if (st_parse(copy, len, "flip", &f, err, sizeof err) == 0) {
                accepted++;
                for (int t = 0; t < f.n_tensors; t++) {
                    const StTensor *x = &f.tensors[t];
                    assert_true(x->data >= f.buf && x->data + x->nbytes <= f.buf + f.len);
                }
                st_free(&f);
            } else {
                refused++;
                assert_true(strlen(err) > 0);
            }
        }
    }
    assert_true(accepted > 0);  // flips in tensor data are harmless
    assert_true(refused > 0);
    free(copy);
    free(data);
}

// ---- SVG --------------------------------------------------------------------

static char *read_text(const char *path) {
    unsigned char *data;
    size_t len;
    char err[512];
    if (file_read_all(path, &data, &len, err, sizeof err) != 0) return NULL;
    return (char *)data;  // file_read_all NUL-terminates
}

static void check_svg(const char *path, const char *title_escaped) {
    char *s = read_text(path);
    assert_non_null(s);
    assert_int_equal(strncmp(s, "<svg", 4), 0);
    assert_non_null(strstr(s, title_escaped));
    size_t n = strlen(s);
    assert_true(n > 7 && strcmp(s + n - 7, "</svg>\n") == 0);
    // Every opened <text> is closed, and no raw '<' or '&' leaks from a label.
    int open = 0, close = 0;
    for (const char *p = s; (p = strstr(p, "<text")) != NULL; p++) open++;
    for (const char *p = s; (p = strstr(p, "</text>")) != NULL; p++) close++;
    assert_int_equal(open, close);
    assert_null(strstr(s, "& "));
    assert_null(strstr(s, "nan"));
    assert_null(strstr(s, "inf"));
    free(s);
}

static void test_svg_lineplot(void **state) {
    char path[256], err[512];
    path_in(state, "loss.svg", path, sizeof path);
    double x[50], y1[50], y2[50], lo[50], hi[50];
    for (int i = 0; i < 50; i++) {
        x[i] = i * 10;
        y1[i] = 0.9 * exp(-i / 20.0);
        y2[i] = 0.8 * exp(-i / 15.0) + 0.02;
        lo[i] = y2[i] - 0.03;
        hi[i] = y2[i] + 0.03;
    }
    y1[10] = NAN;  // skipped, and the line breaks there
    y1[20] = INFINITY;
    const SvgSeries s[2] = {{"standard <attn>", x, y1, 50, NULL, NULL}, {"differential", x, y2, 50, lo, hi}};
    assert_int_equal(svg_lineplot(path, "Loss & steps", "step", "loss", s, 2, err, sizeof err), 0);
    check_svg(path, "Loss &amp; steps");
    char *text = read_text(path);
    assert_non_null(strstr(text, "standard &lt;attn&gt;"));
    assert_non_null(strstr(text, "<polygon"));  // the band
    // y spans about [-0.01, 0.93]: nice ticks at -0.2, 0.0, 0.2, ... 1.0.
    assert_non_null(strstr(text, ">0.4</text>"));
    assert_non_null(strstr(text, ">1.0</text>"));
    assert_non_null(strstr(text, ">500</text>"));  // x axis 0..500
    free(text);

    // Nothing finite at all still gives a (blank) chart; bad arguments do not.
    double nan1[1] = {NAN};
    const SvgSeries empty = {NULL, NULL, nan1, 1, NULL, NULL};
    assert_int_equal(svg_lineplot(path, "empty", NULL, NULL, &empty, 1, err, sizeof err), 0);
    check_svg(path, "empty");
    const SvgSeries bad = {"half band", x, y1, 50, lo, NULL};
    assert_int_equal(svg_lineplot(path, "bad", NULL, NULL, &bad, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "y_lo"));
}

static void test_svg_heatmaps(void **state) {
    char path[256], err[512];
    path_in(state, "heat.svg", path, sizeof path);
    double m[12];
    for (int i = 0; i < 12; i++) m[i] = sin(i * 0.7);
    m[5] = NAN;
    const char *rows[3] = {"a", "\n", "<b>"};
    const char *cols[4] = {"w", "x", "y", "a long column label"};
    assert_int_equal(svg_heatmap(path, "Weights \"W\"", m, 3, 4, rows, cols, 1, err, sizeof err), 0);
    check_svg(path, "Weights &quot;W&quot;");
    char *text = read_text(path);
    assert_non_null(strstr(text, ">\\n</text>"));  // control characters shown as escapes
    assert_non_null(strstr(text, "&lt;b&gt;"));
    assert_non_null(strstr(text, "#bdbdbd"));  // the NaN cell
    free(text);

    double a1[64], a2[64];
    for (int i = 0; i < 64; i++) {
        a1[i] = (i % 8) <= (i / 8) ? 1.0 / (i / 8 + 1) : 0;
        a2[i] = a1[i] - 0.05;
    }
    const SvgPanel panels[3] = {
        {"A1", a1, 8, 8, 0, NULL, NULL}, {"A2", a2, 8, 8, 0, NULL, NULL}, {"A1 - λA2", a2, 8, 8, 1, NULL, NULL}};
    path_in(state, "panels.svg", path, sizeof path);
    assert_int_equal(svg_heatmaps(path, "Attention, layer 0", panels, 3, err, sizeof err), 0);
    check_svg(path, "Attention, layer 0");
    text = read_text(path);
    assert_non_null(strstr(text, "A1 - λA2"));
    assert_non_null(strstr(text, "cbar2"));  // one colour bar per panel
    free(text);

    assert_int_equal(svg_heatmap(path, "x", m, 0, 4, NULL, NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "0 x 4"));
}

static void test_svg_bars(void **state) {
    char path[256], err[512];
    path_in(state, "bars.svg", path, sizeof path);
    const char *groups[3] = {"copy", "reverse", "induction"};
    const char *series[2] = {"standard", "differential"};
    const double v[6] = {0.91, 0.55, 0.30, 0.97, 0.72, NAN};
    assert_int_equal(svg_bars(path, "Accuracy by task", "accuracy", groups, 3, series, v, 2, err, sizeof err), 0);
    check_svg(path, "Accuracy by task");
    char *text = read_text(path);
    assert_non_null(strstr(text, ">induction</text>"));
    assert_non_null(strstr(text, ">differential</text>"));
    // 5 finite bars: one <title> each.
    int bars = 0;
    for (const char *p = text; (p = strstr(p, "<title>")) != NULL; p++) bars++;
    assert_int_equal(bars, 5);
    free(text);

    const double neg[2] = {-1.5, 2};
    assert_int_equal(svg_bars(path, "Signed", NULL, NULL, 2, NULL, neg, 1, err, sizeof err), 0);
    check_svg(path, "Signed");
    assert_int_equal(svg_bars(path, "none", NULL, NULL, 0, NULL, neg, 1, err, sizeof err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_read_all),
        cmocka_unit_test(test_file_write_atomic),
        cmocka_unit_test(test_file_write_atomic_readonly_dir),
        cmocka_unit_test(test_json_accepts),
        cmocka_unit_test(test_json_rejects),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_json_escape_roundtrip),
        cmocka_unit_test(test_st_roundtrip),
        cmocka_unit_test(test_st_write_rejects),
        cmocka_unit_test(test_st_corrupt),
        cmocka_unit_test(test_st_accepts_padding),
        cmocka_unit_test(test_st_truncation),
        cmocka_unit_test(test_st_bit_flips),
        cmocka_unit_test(test_svg_lineplot),
        cmocka_unit_test(test_svg_heatmaps),
        cmocka_unit_test(test_svg_bars),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
