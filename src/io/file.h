// file.h — read a whole file, write a whole file atomically.
//
// Every function returns 0 on success and -1 on failure; on failure a
// message naming the path and the reason is written to err (errlen bytes,
// always NUL-terminated when errlen > 0).
#ifndef DIFFTX_IO_FILE_H
#define DIFFTX_IO_FILE_H

#include <stddef.h>

// Reads the regular file at path into a fresh buffer. Directories, FIFOs and
// devices are refused. An empty file gives *len == 0 and a valid (1-byte)
// buffer, so the caller can always free(*data). The buffer has one extra NUL
// byte after the data, which makes it safe to hand text to string functions.
int file_read_all(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen);

// Replaces path with the given bytes so that a reader (or a crash) sees either
// the old file or the complete new one, never half of it: the bytes go to
// "path.tmp.<pid>" in the same directory, are flushed to disk, and the temp
// file is then renamed over path. On failure the temp file is removed and any
// existing path is left untouched.
int file_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

// The same for data held in several pieces (for example a header and the
// tensor buffers), written one after the other, so that the caller does not
// have to copy them into one buffer first.
int file_write_atomic_parts(const char *path, const void *const *parts, const size_t *lens, int n_parts,
                            char *err, size_t errlen);

#endif
