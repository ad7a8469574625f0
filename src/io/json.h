// json.h — a small, strict JSON (RFC 8259) reader and a string escaper.
//
// json_parse builds a tree of JsonValue nodes. It is strict on purpose: the
// files it reads (safetensors headers) come from other programs, and a
// malformed one should be refused with a precise message rather than half
// understood. It rejects trailing garbage, duplicate keys in an object,
// raw control characters and invalid UTF-8 in strings, lone UTF-16
// surrogates, malformed or out-of-range numbers, and nesting deeper than
// JSON_MAX_DEPTH. Memory use is linear in the input size.
#ifndef DIFFTX_IO_JSON_H
#define DIFFTX_IO_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
typedef struct JsonMember JsonMember;

// The fields are public so that a learner can look at a tree in a debugger;
// code should prefer the accessors below, which also check the type.
struct JsonValue {
    JsonType type;
    size_t offset;        // byte offset in the input where the value starts
    int boolean;          // JSON_BOOL: 0 or 1
    double number;        // JSON_NUMBER: the value as strtod reads it
    char *text;           // JSON_STRING: decoded UTF-8; JSON_NUMBER: the number as written
    size_t text_len;      // bytes in text (a string may contain "\u0000"); text is also NUL-terminated
    size_t count;         // JSON_ARRAY: items; JSON_OBJECT: members
    JsonValue *items;     // JSON_ARRAY
    JsonMember *members;  // JSON_OBJECT, in the order of the input
};

struct JsonMember {
    char *key;  // decoded UTF-8, NUL-terminated
    size_t key_len;
    size_t key_offset;  // byte offset of the key in the input
    JsonValue value;
};

// Parses exactly len bytes (no NUL terminator needed). Returns the root, or
// NULL with a message "byte N: what is wrong" in err. Free with json_free.
JsonValue *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(JsonValue *v);

JsonType json_type(const JsonValue *v);
// "null", "a boolean", "a number", "a string", "an array", "an object":
// written to fit messages such as "expected an array, found a string".
const char *json_type_name(JsonType t);
// Items of an array or members of an object; 0 for other values.
size_t json_size(const JsonValue *v);
// The i-th item of an array (NULL if v is not an array or i is out of range).
const JsonValue *json_at(const JsonValue *v, size_t i);
// The i-th key / value of an object, in input order (NULL when out of range).
const char *json_key_at(const JsonValue *v, size_t i);
const JsonValue *json_value_at(const JsonValue *v, size_t i);
// The value stored under key in an object, or NULL.
const JsonValue *json_get(const JsonValue *obj, const char *key);
// The decoded string, or NULL if v is not a string.
const char *json_string(const JsonValue *v);
// The number (0 if v is not a number) and its text exactly as written (NULL if not a number).
double json_number(const JsonValue *v);
const char *json_number_text(const JsonValue *v);
// 1 for true, 0 for false or a non-boolean.
int json_bool(const JsonValue *v);
// Reads a number written as plain decimal digits (no sign, fraction or
// exponent) exactly, without going through double, which is inexact above
// 2^53. Returns 0 on success, -1 if v is not such a number or exceeds UINT64_MAX.
int json_uint64(const JsonValue *v, uint64_t *out);

// Writes s (len bytes) escaped for use between JSON double quotes (quotes,
// backslashes and control characters escaped; other bytes, UTF-8 included,
// copied). Works like snprintf: writes at most cap bytes including a NUL and
// returns the full escaped length, so json_escape(NULL, 0, s, n) + 1 is the
// size to allocate.
size_t json_escape(char *dst, size_t cap, const char *s, size_t len);

// UTF-8 checks shared by the reader and the writers: the length (1-4) of the
// well-formed UTF-8 character at s (n bytes available), or 0 if the bytes
// there are not one (overlong forms, surrogates and values above U+10FFFF
// are not well-formed).
size_t json_utf8_char(const unsigned char *s, size_t n);
// 1 if all len bytes of s are well-formed UTF-8.
int json_utf8_valid(const char *s, size_t len);

#endif
