// strbuf.h — a growable text buffer, and the error-message helper every io
// module uses.
#ifndef DIFFTX_IO_STRBUF_H
#define DIFFTX_IO_STRBUF_H

#include <stddef.h>

// Errors are sticky: after a failed allocation every append is ignored, and
// the owner checks `failed` once at the end. Start from {0}; free s when done.
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} StrBuf;

void strbuf_add(StrBuf *b, const char *s, size_t n);
void strbuf_str(StrBuf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void strbuf_printf(StrBuf *b, const char *fmt, ...);

// vsnprintf into err (if err is not NULL and errlen > 0).
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void io_errorf(char *err, size_t errlen, const char *fmt, ...);

#endif
