// json.c — recursive-descent JSON parser and string escaper.
//
// The grammar (RFC 8259) is small enough that each rule is one function:
// value -> object | array | string | number | true | false | null.
// Recursion is bounded by JSON_MAX_DEPTH, so hostile input cannot overflow
// the stack. Every node is owned by its parent; json_free releases a tree.
#include "io/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *s;
    size_t len;
    size_t pos;
    int depth;
    char *err;
    size_t errlen;
} Parser;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(Parser *p, size_t offset, const char *fmt, ...) {
    if (p->err && p->errlen > 0) {
        int n = snprintf(p->err, p->errlen, "byte %zu: ", offset);
        if (n >= 0 && (size_t)n < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

// Names the byte at pos for a message: 'x', byte 0x07, or end of input.
static const char *describe(const Parser *p, size_t pos, char buf[16]) {
    if (pos >= p->len) return "end of input";
    unsigned char c = p->s[pos];
    if (c >= 0x20 && c < 0x7f)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static void skip_ws(Parser *p) {
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static void free_contents(JsonValue *v) {
    free(v->text);
    for (size_t i = 0; i < v->count && v->items; i++) free_contents(&v->items[i]);
    for (size_t i = 0; i < v->count && v->members; i++) {
        free(v->members[i].key);
        free_contents(&v->members[i].value);
    }
    free(v->items);
    free(v->members);
    memset(v, 0, sizeof *v);
}

void json_free(JsonValue *v) {
    if (!v) return;
    free_contents(v);
    free(v);
}

// ---- UTF-8 ------------------------------------------------------------------

size_t json_utf8_char(const unsigned char *s, size_t n) {
    if (n == 0) return 0;
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned long cp;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        cp = c & 0x07u;
    } else {
        return 0;  // a continuation byte, 0xc0/0xc1 (always overlong) or > 0xf4
    }
    if (n < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    // Overlong encodings would let two byte strings mean the same text;
    // surrogates are not characters; Unicode stops at U+10FFFF.
    if (need == 3 && cp < 0x800) return 0;
    if (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    return need;
}

int json_utf8_valid(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = json_utf8_char(u + i, len - i);
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}

static size_t put_utf8(char *out, unsigned long cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

// ---- strings ----------------------------------------------------------------

// Reads the 4 hex digits of a \uXXXX escape starting at pos.
static int read_hex4(Parser *p, size_t pos, unsigned long *out) {
    if (p->len - pos < 4) return fail(p, pos, "\\u escape needs 4 hex digits, found end of input");
    unsigned long v = 0;
    for (size_t i = 0; i < 4; i++) {
        unsigned char c = p->s[pos + i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else {
            char b[16];
            return fail(p, pos + i, "\\u escape needs 4 hex digits, found %s", describe(p, pos + i, b));
        }
        v = v * 16 + (unsigned long)d;
    }
    *out = v;
    return 0;
}

// Parses the string whose opening quote is at p->pos into a fresh
// NUL-terminated buffer. Decoding only ever shrinks the text (an escape is
// never shorter than what it stands for), so the raw length bounds the
// allocation.
static int parse_string(Parser *p, char **out, size_t *out_len) {
    size_t start = p->pos;
    size_t end = start + 1;  // find the closing quote first, to size the buffer
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) return fail(p, start, "string is not terminated");

    char *buf = malloc(end - start);
    if (!buf) return fail(p, start, "out of memory for a string of %zu bytes", end - start);
    size_t n = 0;
    size_t i = start + 1;
    char b[16];
    while (i < end) {
        unsigned char c = p->s[i];
        if (c < 0x20) {
            free(buf);
            return fail(p, i, "control character 0x%02x inside a string (write it as \\u%04x)", c, c);
        }
        if (c >= 0x80) {
            size_t k = json_utf8_char(p->s + i, end - i);
            if (k == 0) {
                free(buf);
                return fail(p, i, "invalid UTF-8 byte 0x%02x inside a string", c);
            }
            memcpy(buf + n, p->s + i, k);
            n += k;
            i += k;
            continue;
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            i++;
            continue;
        }
        unsigned char e = p->s[i + 1];  // i + 1 < end: the scan above skipped it as a pair
        // The one-letter escapes: \" \\ \/ \b \f \n \r \t.
        static const char letters[] = "\"\\/bfnrt";
        static const char decoded[] = "\"\\/\b\f\n\r\t";
        const char *hit = e ? strchr(letters, e) : NULL;
        if (hit) {
            buf[n++] = decoded[hit - letters];
            i += 2;
            continue;
        }
        if (e != 'u') {
            free(buf);
            return fail(p, i, "invalid escape in a string: backslash followed by %s", describe(p, i + 1, b));
        }
        unsigned long cp;
        if (read_hex4(p, i + 2, &cp) != 0) {
            free(buf);
            return -1;
        }
        size_t esc_start = i;
        i += 6;
        // Characters above U+FFFF are written as a UTF-16 surrogate pair,
        // \uD83D\uDE00; either half alone is not a character.
        if (cp >= 0xdc00 && cp <= 0xdfff) {
            free(buf);
            return fail(p, esc_start, "lone low surrogate \\u%04lx in a string", cp);
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            unsigned long lo;
            if (end - i < 6 || p->s[i] != '\\' || p->s[i + 1] != 'u') {
                free(buf);
                return fail(p, esc_start, "high surrogate \\u%04lx is not followed by a \\u low surrogate", cp);
            }
            if (read_hex4(p, i + 2, &lo) != 0) {
                free(buf);
                return -1;
            }
            if (lo < 0xdc00 || lo > 0xdfff) {
                free(buf);
                return fail(p, i, "high surrogate \\u%04lx is followed by \\u%04lx, not a low surrogate", cp, lo);
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        }
        n += put_utf8(buf + n, cp);
    }
    buf[n] = '\0';
    p->pos = end + 1;
    *out = buf;
    *out_len = n;
    return 0;
}

// ---- numbers ----------------------------------------------------------------

static int is_digit(const Parser *p, size_t pos) { return pos < p->len && p->s[pos] >= '0' && p->s[pos] <= '9'; }

// number = [ "-" ] ( "0" | [1-9][0-9]* ) [ "." [0-9]+ ] [ ( "e" | "E" ) [ "+" | "-" ] [0-9]+ ]
static int parse_number(Parser *p, JsonValue *v) {
    size_t start = p->pos, i = p->pos;
    char b[16];
    if (i < p->len && p->s[i] == '-') i++;
    if (!is_digit(p, i)) return fail(p, i, "invalid number: expected a digit, found %s", describe(p, i, b));
    if (p->s[i] == '0') {
        i++;
        if (is_digit(p, i)) return fail(p, start, "invalid number: leading zeros are not allowed");
    } else {
        while (is_digit(p, i)) i++;
    }
    if (i < p->len && p->s[i] == '.') {
        i++;
        if (!is_digit(p, i))
            return fail(p, i, "invalid number: expected a digit after '.', found %s", describe(p, i, b));
        while (is_digit(p, i)) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (!is_digit(p, i))
            return fail(p, i, "invalid number: expected a digit in the exponent, found %s", describe(p, i, b));
        while (is_digit(p, i)) i++;
    }
    size_t n = i - start;
    char *text = malloc(n + 1);
    if (!text) return fail(p, start, "out of memory");
    memcpy(text, p->s + start, n);
    text[n] = '\0';
    // strtod follows the C locale's decimal point, which is '.' unless the
    // program calls setlocale; difftx never does.
    double d = strtod(text, NULL);
    if (isinf(d)) {
        int r = fail(p, start, "number %.40s%s is out of range for a double", text, n > 40 ? "..." : "");
        free(text);
        return r;
    }
    v->type = JSON_NUMBER;
    v->number = d;
    v->text = text;
    v->text_len = n;
    p->pos = i;
    return 0;
}

// ---- arrays and objects -------------------------------------------------------

static int parse_value(Parser *p, JsonValue *v);

// Makes room for need elements of a vector, doubling its capacity so that
// the total copying stays linear in the final size. Returns the (possibly
// moved) vector, or NULL when out of memory (the old vector is still valid).
static void *grow(void *items, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    if (ncap < need) ncap = need;
    if (ncap > (size_t)-1 / elem) return NULL;
    void *q = realloc(items, ncap * elem);
    if (q) *cap = ncap;
    return q;
}

static int parse_array(Parser *p, JsonValue *v) {
    v->type = JSON_ARRAY;
    p->pos++;  // '['
    size_t cap = 0;
    char b[16];
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        JsonValue item;
        if (parse_value(p, &item) != 0) return -1;
        JsonValue *items = grow(v->items, &cap, v->count + 1, sizeof *items);
        if (!items) {
            size_t at = item.offset;
            free_contents(&item);
            return fail(p, at, "out of memory for an array of %zu items", v->count + 1);
        }
        v->items = items;
        v->items[v->count++] = item;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return 0;
        }
        return fail(p, p->pos, "expected ',' or ']' in an array, found %s", describe(p, p->pos, b));
    }
}

static int cmp_member_key(const void *a, const void *b) {
    const JsonMember *x = *(const JsonMember *const *)a, *y = *(const JsonMember *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    // Equal keys: keep input order (members live in one array), so the
    // second of a pair is reported as the duplicate.
    return x < y ? -1 : x > y;
}

// Sorting a list of pointers finds duplicates in O(k log k); comparing every
// pair would let one object with a million keys stall the parser.
static int check_duplicate_keys(Parser *p, const JsonValue *v) {
    if (v->count < 2) return 0;
    const JsonMember **sorted = malloc(v->count * sizeof *sorted);
    if (!sorted) return fail(p, v->offset, "out of memory checking %zu keys", v->count);
    for (size_t i = 0; i < v->count; i++) sorted[i] = &v->members[i];
    qsort(sorted, v->count, sizeof *sorted, cmp_member_key);
    for (size_t i = 1; i < v->count; i++) {
        const JsonMember *a = sorted[i - 1], *m = sorted[i];
        if (a->key_len == m->key_len && memcmp(a->key, m->key, a->key_len) == 0) {
            int r = fail(p, m->key_offset, "duplicate key \"%.60s\" in an object (first seen at byte %zu)", m->key,
                         a->key_offset);
            free(sorted);
            return r;
        }
    }
    free(sorted);
    return 0;
}

static int parse_object(Parser *p, JsonValue *v) {
    v->type = JSON_OBJECT;
    p->pos++;  // '{'
    size_t cap = 0;
    char b[16];
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"')
            return fail(p, p->pos, "expected a string key in an object, found %s", describe(p, p->pos, b));
        JsonMember m;
        memset(&m, 0, sizeof m);
        m.key_offset = p->pos;
        if (parse_string(p, &m.key, &m.key_len) != 0) return -1;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            free(m.key);
            return fail(p, p->pos, "expected ':' after an object key, found %s", describe(p, p->pos, b));
        }
        p->pos++;
        if (parse_value(p, &m.value) != 0) {
            free(m.key);
            return -1;
        }
        JsonMember *members = grow(v->members, &cap, v->count + 1, sizeof *members);
        if (!members) {
            free(m.key);
            free_contents(&m.value);
            return fail(p, m.key_offset, "out of memory for an object of %zu members", v->count + 1);
        }
        v->members = members;
        v->members[v->count++] = m;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return check_duplicate_keys(p, v);
        }
        return fail(p, p->pos, "expected ',' or '}' in an object, found %s", describe(p, p->pos, b));
    }
}

// Matches one of the literals true, false, null.
static int parse_literal(Parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        char b[16];
        return fail(p, p->pos, "expected a value, found %s", describe(p, p->pos, b));
    }
    p->pos += n;
    return 0;
}

// Parses one value into *v. On failure everything it allocated is freed and
// *v is left empty, so callers never clean up after a failed child.
static int parse_value(Parser *p, JsonValue *v) {
    memset(v, 0, sizeof *v);
    skip_ws(p);
    v->offset = p->pos;
    char b[16];
    if (p->pos >= p->len) return fail(p, p->pos, "expected a value, found end of input");
    unsigned char c = p->s[p->pos];
    int r;
    switch (c) {
    case '{':
    case '[':
        if (p->depth >= JSON_MAX_DEPTH)
            return fail(p, p->pos, "nesting is deeper than %d levels", JSON_MAX_DEPTH);
        p->depth++;
        r = c == '{' ? parse_object(p, v) : parse_array(p, v);
        p->depth--;
        break;
    case '"':
        v->type = JSON_STRING;
        r = parse_string(p, &v->text, &v->text_len);
        break;
    case 't':
    case 'f':
        v->type = JSON_BOOL;
        v->boolean = c == 't';
        r = parse_literal(p, c == 't' ? "true" : "false");
        break;
    case 'n':
        r = parse_literal(p, "null");
        break;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            r = parse_number(p, v);
        } else {
            r = fail(p, p->pos, "expected a value, found %s", describe(p, p->pos, b));
        }
    }
    if (r != 0) free_contents(v);
    return r;
}

JsonValue *json_parse(const char *text, size_t len, char *err, size_t errlen) {
    Parser p = {(const unsigned char *)text, len, 0, 0, err, errlen};
    if (err && errlen > 0) err[0] = '\0';
    if (!text && len > 0) {
        fail(&p, 0, "no input");
        return NULL;
    }
    JsonValue *root = malloc(sizeof *root);
    if (!root) {
        fail(&p, 0, "out of memory");
        return NULL;
    }
    if (parse_value(&p, root) != 0) {
        free(root);
        return NULL;
    }
    skip_ws(&p);
    if (p.pos != p.len) {
        char b[16];
        fail(&p, p.pos, "unexpected %s after the end of the JSON value", describe(&p, p.pos, b));
        json_free(root);
        return NULL;
    }
    return root;
}

// ---- accessors ----------------------------------------------------------------

JsonType json_type(const JsonValue *v) { return v ? v->type : JSON_NULL; }

const char *json_type_name(JsonType t) {
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

size_t json_size(const JsonValue *v) {
    return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->count : 0;
}

const JsonValue *json_at(const JsonValue *v, size_t i) {
    return v && v->type == JSON_ARRAY && i < v->count ? &v->items[i] : NULL;
}

const char *json_key_at(const JsonValue *v, size_t i) {
    return v && v->type == JSON_OBJECT && i < v->count ? v->members[i].key : NULL;
}

const JsonValue *json_value_at(const JsonValue *v, size_t i) {
    return v && v->type == JSON_OBJECT && i < v->count ? &v->members[i].value : NULL;
}

const JsonValue *json_get(const JsonValue *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT || !key) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->count; i++) {
        const JsonMember *m = &obj->members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return &m->value;
    }
    return NULL;
}

const char *json_string(const JsonValue *v) { return v && v->type == JSON_STRING ? v->text : NULL; }

double json_number(const JsonValue *v) { return v && v->type == JSON_NUMBER ? v->number : 0.0; }

const char *json_number_text(const JsonValue *v) { return v && v->type == JSON_NUMBER ? v->text : NULL; }

int json_bool(const JsonValue *v) { return v && v->type == JSON_BOOL && v->boolean; }

int json_uint64(const JsonValue *v, uint64_t *out) {
    if (!v || v->type != JSON_NUMBER || v->text_len == 0) return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < v->text_len; i++) {
        char c = v->text[i];
        if (c < '0' || c > '9') return -1;  // a sign, fraction or exponent
        unsigned d = (unsigned)(c - '0');
        if (x > (UINT64_MAX - d) / 10) return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

// ---- writing ------------------------------------------------------------------

size_t json_escape(char *dst, size_t cap, const char *s, size_t len) {
    size_t n = 0;
    // Writes what fits and keeps counting, like snprintf.
#define PUT(ch)                           \
    do {                                  \
        if (n + 1 < cap) dst[n] = (ch);   \
        n++;                              \
    } while (0)
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *short_form = NULL;
        switch (c) {
        case '"': short_form = "\\\""; break;
        case '\\': short_form = "\\\\"; break;
        case '\b': short_form = "\\b"; break;
        case '\f': short_form = "\\f"; break;
        case '\n': short_form = "\\n"; break;
        case '\r': short_form = "\\r"; break;
        case '\t': short_form = "\\t"; break;
        default: break;
        }
        if (short_form) {
            PUT(short_form[0]);
            PUT(short_form[1]);
        } else if (c < 0x20) {
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            PUT((char)c);
        }
    }
#undef PUT
    if (cap > 0) dst[n < cap ? n : cap - 1] = '\0';
    return n;
}
