// safetensors.h — read and write named tensors in the safetensors format.
//
// Layout of a file:
//
//   [8 bytes] N, the header length, a little-endian unsigned 64-bit integer
//   [N bytes] a JSON object: for every tensor
//               "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
//             and optionally "__metadata__": {"key": "value", ...} (strings only)
//   [rest]    the data section: raw little-endian tensor bytes; data_offsets
//             count from its first byte
//
// This module knows nothing of models: it moves named byte arrays with a
// dtype and a shape. The reader validates everything before handing out a
// single pointer, so code using an StFile may trust every field.
#ifndef DIFFTX_IO_SAFETENSORS_H
#define DIFFTX_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ST_F32, ST_F64, ST_U8, ST_I32, ST_I64, ST_F16, ST_BF16,
    ST_I8, ST_I16, ST_U16, ST_U32, ST_U64, ST_BOOL
} StDtype;
#define ST_N_DTYPES 13

// Bytes per element (0 for a value outside the enum) and the name used in
// headers ("F32", ...; "?" outside the enum).
size_t st_dtype_size(StDtype t);
const char *st_dtype_name(StDtype t);
// Looks up a header name such as "BF16"; returns 0 on success, -1 if unknown.
int st_dtype_parse(const char *name, StDtype *out);

#define ST_MAX_DIMS 8
// A longer header is refused before it is parsed, as the reference
// implementation does: real headers are kilobytes, and the limit bounds the
// work a hostile file can cause.
#define ST_MAX_HEADER 100000000u

typedef struct {
    char *name;
    StDtype dtype;
    int ndim;  // 0 for a scalar
    int64_t shape[ST_MAX_DIMS];
    size_t numel;  // product of the shape (1 for a scalar)
    // Points into StFile.buf. Files written by st_write keep every tensor
    // aligned to its element size; files from elsewhere need not, so copy
    // with memcpy rather than casting to float * when the origin is unknown.
    const unsigned char *data;
    size_t nbytes;  // numel * st_dtype_size(dtype)
} StTensor;

typedef struct {
    unsigned char *buf;  // the whole file
    size_t len;
    StTensor *tensors;  // in header order
    int n_tensors;
    char **meta_keys;  // __metadata__, in header order
    char **meta_vals;
    int n_meta;
} StFile;

// Reads and validates a whole file. Returns 0 on success, -1 with a message
// naming the file, the problem and the offending value. On failure *f is
// left empty, so st_free(f) is always safe.
int st_read(const char *path, StFile *f, char *err, size_t errlen);
// The same for bytes already in memory (used by the fuzzer). buf is copied,
// the caller keeps ownership; label names the source in messages.
int st_parse(const unsigned char *buf, size_t len, const char *label, StFile *f, char *err, size_t errlen);
// The tensor called name, or NULL.
const StTensor *st_find(const StFile *f, const char *name);
// The metadata value for key, or NULL.
const char *st_meta(const StFile *f, const char *key);
void st_free(StFile *f);

// One tensor to write. data holds prod(shape) * st_dtype_size(dtype) bytes in
// little-endian order (the host order on x86 and ARM).
typedef struct {
    const char *name;
    StDtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const void *data;
} StOut;

// Writes a safetensors file atomically (see file_write_atomic). The header
// lists __metadata__ first and then the tensors in the given order. Names
// must be unique, valid UTF-8 and not "__metadata__".
int st_write(const char *path, const StOut *tensors, int n, const char *const *meta_keys,
             const char *const *meta_vals, int n_meta, char *err, size_t errlen);

#endif
