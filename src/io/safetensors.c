// safetensors.c — validating reader and atomic writer for safetensors files.
//
// The reader treats every file as hostile: each length is checked against
// the bytes actually present before it is used, and every size computation
// is guarded against integer overflow, so a corrupt or malicious file yields
// a message and never a crash, a hang or a giant allocation.
#include "io/safetensors.h"
#include "io/strbuf.h"

#include "io/file.h"
#include "io/json.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Tensor bytes are handed over unchanged, and safetensors stores them
// little-endian; a big-endian host would have to swap every element.
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "difftx's safetensors code assumes a little-endian host"
#endif

#define META_KEY "__metadata__"


// ---- dtypes -------------------------------------------------------------------

static const struct {
    const char *name;
    size_t size;
} DTYPES[ST_N_DTYPES] = {
    [ST_F32] = {"F32", 4}, [ST_F64] = {"F64", 8}, [ST_U8] = {"U8", 1},   [ST_I32] = {"I32", 4},
    [ST_I64] = {"I64", 8}, [ST_F16] = {"F16", 2}, [ST_BF16] = {"BF16", 2}, [ST_I8] = {"I8", 1},
    [ST_I16] = {"I16", 2}, [ST_U16] = {"U16", 2}, [ST_U32] = {"U32", 4}, [ST_U64] = {"U64", 8},
    [ST_BOOL] = {"BOOL", 1},
};

static int dtype_ok(StDtype t) { return (int)t >= 0 && (int)t < ST_N_DTYPES; }

size_t st_dtype_size(StDtype t) { return dtype_ok(t) ? DTYPES[t].size : 0; }

const char *st_dtype_name(StDtype t) { return dtype_ok(t) ? DTYPES[t].name : "?"; }

int st_dtype_parse(const char *name, StDtype *out) {
    for (int i = 0; i < ST_N_DTYPES; i++) {
        if (strcmp(name, DTYPES[i].name) == 0) {
            *out = (StDtype)i;
            return 0;
        }
    }
    return -1;
}

// ---- small helpers ------------------------------------------------------------

// "[2, 3]" for messages.
static void format_shape(char *out, size_t cap, const int64_t *shape, int ndim) {
    size_t n = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (n < cap) snprintf(out + n, cap - n, "]");
}

// Element count of a shape, or -1 if it overflows. A zero dimension makes the
// product 0 however large the others are, so it is checked first.
static int shape_numel(const int64_t *shape, int ndim, uint64_t *numel) {
    uint64_t p = 1;
    for (int i = 0; i < ndim; i++)
        if (shape[i] == 0) {
            *numel = 0;
            return 0;
        }
    for (int i = 0; i < ndim; i++) {
        uint64_t d = (uint64_t)shape[i];
        if (p > UINT64_MAX / d) return -1;
        p *= d;
    }
    *numel = p;
    return 0;
}

// Bytes of numel elements of dtype t, or -1 if that does not fit in size_t.
static int numel_bytes(uint64_t numel, StDtype t, size_t *nbytes) {
    uint64_t size = st_dtype_size(t);
    if (numel > (uint64_t)SIZE_MAX / size) return -1;
    *nbytes = (size_t)(numel * size);
    return 0;
}

static char *dup_string(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

// Reads a non-negative integer no larger than max; on failure says why in
// `why` (to be completed with the name of the field by the caller).
static int read_count(const JsonValue *v, uint64_t max, uint64_t *out, char *why, size_t whylen) {
    if (json_type(v) != JSON_NUMBER) {
        snprintf(why, whylen, "is %s, expected a non-negative integer", json_type_name(json_type(v)));
        return -1;
    }
    const char *text = json_number_text(v);
    if (text[0] == '-') {
        snprintf(why, whylen, "is %.40s, which is negative", text);
        return -1;
    }
    if (json_uint64(v, out) != 0) {
        if (strpbrk(text, ".eE"))
            snprintf(why, whylen, "is %.40s, expected a plain integer (no fraction or exponent)", text);
        else
            snprintf(why, whylen, "is %.40s, which is too large", text);
        return -1;
    }
    if (*out > max) {
        snprintf(why, whylen, "is %.40s, which is too large", text);
        return -1;
    }
    return 0;
}

// ---- reading ------------------------------------------------------------------

void st_free(StFile *f) {
    if (!f) return;
    for (int i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_vals[i]);
    }
    free(f->tensors);
    free(f->meta_keys);
    free(f->meta_vals);
    free(f->buf);
    memset(f, 0, sizeof *f);
}

// Validates one tensor entry and fills t (except the name). data/data_len
// describe the data section; *begin receives the first data_offsets entry.
static int parse_tensor(const char *label, const char *name, const JsonValue *entry, const unsigned char *data,
                        size_t data_len, StTensor *t, uint64_t *begin, char *err, size_t errlen) {
    char why[160];
    if (json_type(entry) != JSON_OBJECT) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\" is %s, expected an object with dtype, shape and data_offsets",
                label, name, json_type_name(json_type(entry)));
        return -1;
    }

    const JsonValue *dtype = json_get(entry, "dtype");
    if (!dtype) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\" has no \"dtype\"", label, name);
        return -1;
    }
    if (json_type(dtype) != JSON_STRING) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": dtype is %s, expected a string such as \"F32\"", label, name,
                json_type_name(json_type(dtype)));
        return -1;
    }
    if (st_dtype_parse(json_string(dtype), &t->dtype) != 0) {
        io_errorf(err, errlen,
                "%s: tensor \"%.80s\": unknown dtype \"%.20s\" (known: F32 F64 F16 BF16 I8 I16 I32 I64 U8 U16 U32 "
                "U64 BOOL)",
                label, name, json_string(dtype));
        return -1;
    }

    const JsonValue *shape = json_get(entry, "shape");
    if (!shape) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\" has no \"shape\"", label, name);
        return -1;
    }
    if (json_type(shape) != JSON_ARRAY) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": shape is %s, expected an array of sizes", label, name,
                json_type_name(json_type(shape)));
        return -1;
    }
    if (json_size(shape) > ST_MAX_DIMS) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": shape has %zu dimensions, at most %d are supported", label, name,
                json_size(shape), ST_MAX_DIMS);
        return -1;
    }
    t->ndim = (int)json_size(shape);
    for (int i = 0; i < t->ndim; i++) {
        uint64_t d;
        if (read_count(json_at(shape, (size_t)i), INT64_MAX, &d, why, sizeof why) != 0) {
            io_errorf(err, errlen, "%s: tensor \"%.80s\": shape[%d] %s", label, name, i, why);
            return -1;
        }
        t->shape[i] = (int64_t)d;
    }
    char shape_text[192];
    format_shape(shape_text, sizeof shape_text, t->shape, t->ndim);
    uint64_t numel;
    if (shape_numel(t->shape, t->ndim, &numel) != 0 || numel_bytes(numel, t->dtype, &t->nbytes) != 0) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": shape %s has too many elements (the size overflows)", label,
                name, shape_text);
        return -1;
    }
    t->numel = (size_t)numel;  // numel <= nbytes, which fits in size_t

    const JsonValue *offs = json_get(entry, "data_offsets");
    if (!offs) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\" has no \"data_offsets\"", label, name);
        return -1;
    }
    if (json_type(offs) != JSON_ARRAY) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": data_offsets is %s, expected [begin, end]", label, name,
                json_type_name(json_type(offs)));
        return -1;
    }
    if (json_size(offs) != 2) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": data_offsets has %zu values, expected two: [begin, end]", label,
                name, json_size(offs));
        return -1;
    }
    uint64_t b, e;
    if (read_count(json_at(offs, 0), UINT64_MAX, &b, why, sizeof why) != 0) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": data_offsets begin %s", label, name, why);
        return -1;
    }
    if (read_count(json_at(offs, 1), UINT64_MAX, &e, why, sizeof why) != 0) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": data_offsets end %s", label, name, why);
        return -1;
    }
    if (b > e) {
        io_errorf(err, errlen, "%s: tensor \"%.80s\": data_offsets [%" PRIu64 ", %" PRIu64 "] has begin after end",
                label, name, b, e);
        return -1;
    }
    if (e > data_len) {
        io_errorf(err, errlen,
                "%s: tensor \"%.80s\": data_offsets end %" PRIu64 " is beyond the end of the data section (%zu bytes)",
                label, name, e, data_len);
        return -1;
    }
    if (e - b != t->nbytes) {
        io_errorf(err, errlen,
                "%s: tensor \"%.80s\": data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                " bytes but shape %s of %s needs %zu bytes",
                label, name, b, e, e - b, shape_text, st_dtype_name(t->dtype), t->nbytes);
        return -1;
    }
    t->data = data + b;
    *begin = b;
    return 0;
}

static int parse_metadata(const char *label, const JsonValue *meta, StFile *f, char *err, size_t errlen) {
    if (json_type(meta) != JSON_OBJECT) {
        io_errorf(err, errlen, "%s: __metadata__ is %s, expected an object of strings", label,
                json_type_name(json_type(meta)));
        return -1;
    }
    size_t n = json_size(meta);
    f->meta_keys = calloc(n ? n : 1, sizeof *f->meta_keys);
    f->meta_vals = calloc(n ? n : 1, sizeof *f->meta_vals);
    if (!f->meta_keys || !f->meta_vals) {
        io_errorf(err, errlen, "%s: out of memory for %zu metadata entries", label, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const JsonMember *m = &meta->members[i];
        if (m->value.type != JSON_STRING) {
            io_errorf(err, errlen, "%s: __metadata__ value for \"%.80s\" is %s, expected a string", label, m->key,
                    json_type_name(m->value.type));
            return -1;
        }
        // C strings end at the first NUL, so "a\u0000b" would silently lose "b".
        if (strlen(m->key) != m->key_len || strlen(m->value.text) != m->value.text_len) {
            io_errorf(err, errlen, "%s: __metadata__ entry \"%.80s\" contains a NUL character (\\u0000)", label,
                    m->key);
            return -1;
        }
        f->meta_keys[i] = dup_string(m->key, m->key_len);
        f->meta_vals[i] = dup_string(m->value.text, m->value.text_len);
        f->n_meta = (int)i + 1;  // both entries are freed by st_free from now on
        if (!f->meta_keys[i] || !f->meta_vals[i]) {
            io_errorf(err, errlen, "%s: out of memory", label);
            return -1;
        }
    }
    return 0;
}

typedef struct {
    uint64_t begin, end;
    int tensor;
} Range;

static int cmp_range(const void *a, const void *b) {
    const Range *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

// Two tensors sharing bytes would make writing one silently change the other.
// Sorted by begin, a tensor overlaps an earlier one exactly when it starts
// before the furthest end seen so far. Empty tensors occupy no bytes.
static int check_overlaps(const char *label, const StFile *f, Range *r, char *err, size_t errlen) {
    qsort(r, (size_t)f->n_tensors, sizeof *r, cmp_range);
    int owner = -1;  // the range reaching furthest so far
    for (int i = 0; i < f->n_tensors; i++) {
        if (r[i].begin == r[i].end) continue;
        if (owner >= 0 && r[i].begin < r[owner].end) {
            io_errorf(err, errlen,
                    "%s: tensors \"%.80s\" (bytes [%" PRIu64 ", %" PRIu64 ")) and \"%.80s\" (bytes [%" PRIu64
                    ", %" PRIu64 ")) overlap in the data section",
                    label, f->tensors[r[owner].tensor].name, r[owner].begin, r[owner].end, f->tensors[r[i].tensor].name,
                    r[i].begin, r[i].end);
            return -1;
        }
        if (owner < 0 || r[i].end > r[owner].end) owner = i;
    }
    return 0;
}

static uint64_t read_le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

// Parses a file held in buf, taking ownership of buf: on success it becomes
// f->buf, on failure it is freed.
static int parse_owned(unsigned char *buf, size_t len, const char *label, StFile *f, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    f->buf = buf;
    f->len = len;
    if (len < 8) {
        io_errorf(err, errlen, "%s: file is too short (%zu bytes) to hold the 8-byte header length", label, len);
        st_free(f);
        return -1;
    }
    uint64_t hlen = read_le64(buf);
    if (hlen > ST_MAX_HEADER) {
        io_errorf(err, errlen, "%s: header length %" PRIu64 " exceeds the limit of %u bytes (not a safetensors file?)",
                label, hlen, ST_MAX_HEADER);
        st_free(f);
        return -1;
    }
    if (hlen > len - 8) {
        io_errorf(err, errlen, "%s: header length %" PRIu64 " is larger than the file (%zu bytes)", label, hlen, len);
        st_free(f);
        return -1;
    }
    size_t header_len = (size_t)hlen;
    const unsigned char *data = buf + 8 + header_len;
    size_t data_len = len - 8 - header_len;

    Range *ranges = NULL;
    char jerr[200];
    JsonValue *root = json_parse((const char *)buf + 8, header_len, jerr, sizeof jerr);
    if (!root) {
        io_errorf(err, errlen, "%s: the header is not valid JSON: header %s", label, jerr);
        st_free(f);
        return -1;
    }
    if (root->type != JSON_OBJECT) {
        io_errorf(err, errlen, "%s: the header is %s, expected a JSON object", label, json_type_name(root->type));
        goto fail;
    }

    size_t n_entries = root->count;
    if (n_entries > INT_MAX) {
        io_errorf(err, errlen, "%s: the header lists %zu tensors, more than difftx supports", label, n_entries);
        goto fail;
    }
    f->tensors = calloc(n_entries ? n_entries : 1, sizeof *f->tensors);
    ranges = calloc(n_entries ? n_entries : 1, sizeof *ranges);
    if (!f->tensors || !ranges) {
        io_errorf(err, errlen, "%s: out of memory for %zu tensors", label, n_entries);
        goto fail;
    }
    for (size_t i = 0; i < n_entries; i++) {
        const JsonMember *m = &root->members[i];
        if (m->key_len == strlen(META_KEY) && memcmp(m->key, META_KEY, m->key_len) == 0) {
            if (parse_metadata(label, &m->value, f, err, errlen) != 0) goto fail;
            continue;
        }
        if (strlen(m->key) != m->key_len) {
            io_errorf(err, errlen, "%s: tensor name \"%.80s...\" contains a NUL character (\\u0000)", label, m->key);
            goto fail;
        }
        StTensor *t = &f->tensors[f->n_tensors];
        uint64_t begin = 0;
        if (parse_tensor(label, m->key, &m->value, data, data_len, t, &begin, err, errlen) != 0) goto fail;
        t->name = dup_string(m->key, m->key_len);
        if (!t->name) {
            io_errorf(err, errlen, "%s: out of memory", label);
            goto fail;
        }
        ranges[f->n_tensors] = (Range){begin, begin + t->nbytes, f->n_tensors};
        f->n_tensors++;
    }
    if (check_overlaps(label, f, ranges, err, errlen) != 0) goto fail;
    free(ranges);
    json_free(root);
    return 0;

fail:
    free(ranges);
    json_free(root);
    st_free(f);
    return -1;
}

int st_parse(const unsigned char *buf, size_t len, const char *label, StFile *f, char *err, size_t errlen) {
    if (!label) label = "(memory)";
    memset(f, 0, sizeof *f);
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy) {
        io_errorf(err, errlen, "%s: out of memory copying %zu bytes", label, len);
        return -1;
    }
    if (len) memcpy(copy, buf, len);
    return parse_owned(copy, len, label, f, err, errlen);
}

int st_read(const char *path, StFile *f, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    unsigned char *buf;
    size_t len;
    if (file_read_all(path, &buf, &len, err, errlen) != 0) return -1;
    return parse_owned(buf, len, path, f, err, errlen);
}

const StTensor *st_find(const StFile *f, const char *name) {
    for (int i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

const char *st_meta(const StFile *f, const char *key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_keys[i], key) == 0) return f->meta_vals[i];
    return NULL;
}

// ---- writing ------------------------------------------------------------------



// Appends s as a quoted JSON string.
static void buf_add_json_string(StrBuf *b, const char *s) {
    size_t n = strlen(s);
    size_t need = json_escape(NULL, 0, s, n);
    char *tmp = malloc(need + 1);
    if (!tmp) {
        b->failed = 1;
        return;
    }
    json_escape(tmp, need + 1, s, n);
    strbuf_add(b, "\"", 1);
    strbuf_add(b, tmp, need);
    strbuf_add(b, "\"", 1);
    free(tmp);
}

static int cmp_cstr_ptr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

// Finds a name that occurs twice, by sorting a copy of the list.
static const char *find_duplicate(const char *const *names, int n) {
    if (n < 2) return NULL;
    const char **sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted) return NULL;  // the check is skipped; the reader would still refuse the file
    memcpy(sorted, names, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_cstr_ptr);
    const char *dup = NULL;
    for (int i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) dup = sorted[i];
    free(sorted);
    return dup;
}

static int check_outputs(const char *path, const StOut *tensors, int n, const char *const *meta_keys,
                         const char *const *meta_vals, int n_meta, size_t *nbytes, char *err, size_t errlen) {
    if (n < 0 || n_meta < 0 || (n > 0 && !tensors) || (n_meta > 0 && (!meta_keys || !meta_vals))) {
        io_errorf(err, errlen, "%s: invalid arguments (%d tensors, %d metadata entries)", path, n, n_meta);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const StOut *t = &tensors[i];
        if (!t->name || !json_utf8_valid(t->name, strlen(t->name)) || strcmp(t->name, META_KEY) == 0) {
            io_errorf(err, errlen, "%s: tensor %d has an invalid name \"%.80s\" (must be UTF-8 and not %s)", path, i,
                    t->name ? t->name : "(null)", META_KEY);
            return -1;
        }
        if (!dtype_ok(t->dtype)) {
            io_errorf(err, errlen, "%s: tensor \"%.80s\" has unknown dtype %d", path, t->name, (int)t->dtype);
            return -1;
        }
        if (t->ndim < 0 || t->ndim > ST_MAX_DIMS) {
            io_errorf(err, errlen, "%s: tensor \"%.80s\" has %d dimensions, expected 0 to %d", path, t->name, t->ndim,
                    ST_MAX_DIMS);
            return -1;
        }
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] < 0) {
                io_errorf(err, errlen, "%s: tensor \"%.80s\" has negative size %" PRId64 " in dimension %d", path,
                        t->name, t->shape[d], d);
                return -1;
            }
        }
        uint64_t numel;
        if (shape_numel(t->shape, t->ndim, &numel) != 0 || numel_bytes(numel, t->dtype, &nbytes[i]) != 0) {
            io_errorf(err, errlen, "%s: tensor \"%.80s\" is too large (its byte size overflows)", path, t->name);
            return -1;
        }
        if (nbytes[i] > 0 && !t->data) {
            io_errorf(err, errlen, "%s: tensor \"%.80s\" has %zu bytes but no data pointer", path, t->name, nbytes[i]);
            return -1;
        }
    }
    for (int i = 0; i < n_meta; i++) {
        if (!meta_keys[i] || !meta_vals[i] || !json_utf8_valid(meta_keys[i], strlen(meta_keys[i])) ||
            !json_utf8_valid(meta_vals[i], strlen(meta_vals[i]))) {
            io_errorf(err, errlen, "%s: metadata entry %d (\"%.80s\") is missing or not valid UTF-8", path, i,
                    meta_keys[i] ? meta_keys[i] : "(null)");
            return -1;
        }
    }
    // Duplicate names would produce a header that every reader refuses.
    const char **names = malloc((size_t)(n ? n : 1) * sizeof *names);
    if (!names) {
        io_errorf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int i = 0; i < n; i++) names[i] = tensors[i].name;
    const char *dup = find_duplicate(names, n);
    if (dup) io_errorf(err, errlen, "%s: tensor name \"%.80s\" is used twice", path, dup);
    free(names);
    if (dup) return -1;
    dup = find_duplicate(meta_keys, n_meta);
    if (dup) {
        io_errorf(err, errlen, "%s: metadata key \"%.80s\" is used twice", path, dup);
        return -1;
    }
    return 0;
}

// Layout order for the data section: larger elements first (stable), so that
// every tensor starts at a multiple of its element size, as the reference
// writer does; a U8 vocabulary of odd length therefore comes last and does
// not misalign the float tensors. Offsets stay contiguous (no gaps), which
// strict readers require.
typedef struct {
    size_t size;
    int index;
} LayoutKey;

static int cmp_layout(const void *a, const void *b) {
    const LayoutKey *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

int st_write(const char *path, const StOut *tensors, int n, const char *const *meta_keys,
             const char *const *meta_vals, int n_meta, char *err, size_t errlen) {
    int rc = -1;
    size_t count = (size_t)(n > 0 ? n : 0);
    size_t *nbytes = calloc(count + 1, sizeof *nbytes);
    uint64_t *begin = calloc(count + 1, sizeof *begin);
    LayoutKey *order = calloc(count + 1, sizeof *order);
    const void **parts = calloc(count + 2, sizeof *parts);
    size_t *part_lens = calloc(count + 2, sizeof *part_lens);
    StrBuf h = {NULL, 0, 0, 0};
    if (!nbytes || !begin || !order || !parts || !part_lens) {
        io_errorf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    if (check_outputs(path, tensors, n, meta_keys, meta_vals, n_meta, nbytes, err, errlen) != 0) goto done;

    for (int i = 0; i < n; i++) order[i] = (LayoutKey){st_dtype_size(tensors[i].dtype), i};
    qsort(order, count, sizeof *order, cmp_layout);
    uint64_t offset = 0;
    for (int k = 0; k < n; k++) {
        begin[order[k].index] = offset;
        offset += nbytes[order[k].index];  // each fits in size_t; the sum is checked below
        if (offset < nbytes[order[k].index]) {
            io_errorf(err, errlen, "%s: the tensors together are too large to write", path);
            goto done;
        }
    }

    strbuf_add(&h, "{", 1);
    if (n_meta > 0) {
        strbuf_add(&h, "\"" META_KEY "\":{", strlen(META_KEY) + 4);
        for (int i = 0; i < n_meta; i++) {
            if (i) strbuf_add(&h, ",", 1);
            buf_add_json_string(&h, meta_keys[i]);
            strbuf_add(&h, ":", 1);
            buf_add_json_string(&h, meta_vals[i]);
        }
        strbuf_add(&h, "}", 1);
    }
    for (int i = 0; i < n; i++) {
        const StOut *t = &tensors[i];
        if (i || n_meta > 0) strbuf_add(&h, ",", 1);
        buf_add_json_string(&h, t->name);
        strbuf_printf(&h, ":{\"dtype\":\"%s\",\"shape\":[", st_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) strbuf_printf(&h, "%s%" PRId64, d ? "," : "", t->shape[d]);
        strbuf_printf(&h, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", begin[i], begin[i] + nbytes[i]);
    }
    strbuf_add(&h, "}", 1);
    // Trailing spaces are allowed after the JSON; they make 8 + header length
    // a multiple of 8, so the data section (and, by the layout order, every
    // tensor) is aligned when the file is loaded into malloc'd memory.
    while (!h.failed && h.len % 8 != 0) strbuf_add(&h, " ", 1);
    if (h.failed) {
        io_errorf(err, errlen, "%s: out of memory building the header", path);
        goto done;
    }

    unsigned char len_bytes[8];
    for (int i = 0; i < 8; i++) len_bytes[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    parts[0] = len_bytes;
    part_lens[0] = 8;
    parts[1] = h.s;
    part_lens[1] = h.len;
    for (int k = 0; k < n; k++) {
        parts[2 + k] = tensors[order[k].index].data;
        part_lens[2 + k] = nbytes[order[k].index];
    }
    rc = file_write_atomic_parts(path, parts, part_lens, n + 2, err, errlen);

done:
    free(nbytes);
    free(begin);
    free(order);
    free(parts);
    free(part_lens);
    free(h.s);
    return rc;
}
