// file.c — whole-file reads and crash-safe whole-file writes.
//
// Checkpoints are rewritten during training; if the process dies (or the disk
// fills up) halfway through a write, the previous checkpoint must survive.
// Hence write-to-temp, fsync, rename: rename() within one directory replaces
// the target in one step, so readers see the old file or the new one.
#include "io/file.h"
#include "io/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


int file_read_all(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen) {
    *data = NULL;
    *len = 0;
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
    // forever. It changes nothing for regular files, the only kind we accept.
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        io_errorf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        io_errorf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        io_errorf(err, errlen, "%s: is a directory, expected a file", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        io_errorf(err, errlen, "%s: is not a regular file (a device, pipe or socket)", path);
        close(fd);
        return -1;
    }
    // The size is checked before allocating: st_size is off_t, which may be
    // wider than size_t on 32-bit systems; +1 leaves room for the NUL.
    if (st.st_size < 0 || (uintmax_t)st.st_size >= (uintmax_t)SIZE_MAX) {
        io_errorf(err, errlen, "%s: file size %jd does not fit in memory", path, (intmax_t)st.st_size);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size + 1);
    if (!buf) {
        io_errorf(err, errlen, "%s: out of memory reading %zu bytes", path, size);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            io_errorf(err, errlen, "%s: read error after %zu of %zu bytes: %s", path, got, size, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        io_errorf(err, errlen, "%s: file shrank while being read (%zu bytes expected, %zu read)", path, size, got);
        free(buf);
        return -1;
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    return 0;
}

// After the rename, the directory entry itself lives in the directory's
// metadata; syncing the directory makes the rename durable too. Some file
// systems refuse to fsync a directory, and the data is already safe on disk,
// so failures here are not errors.
static void sync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = malloc(2);
        if (dir) strcpy(dir, ".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);  // "/x" lives in "/"
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir) return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int file_write_atomic_parts(const char *path, const void *const *parts, const size_t *lens, int n_parts,
                            char *err, size_t errlen) {
    if (!path || !*path) {
        io_errorf(err, errlen, "file_write_atomic: empty output path");
        return -1;
    }
    // The temp file sits beside the target: rename() only replaces atomically
    // within one file system. The pid keeps concurrent writers apart.
    size_t tmp_cap = strlen(path) + 32;
    char *tmp = malloc(tmp_cap);
    if (!tmp) {
        io_errorf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, tmp_cap, "%s.tmp.%ld", path, (long)getpid());

    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        io_errorf(err, errlen, "%s: cannot create temporary file %s: %s", path, tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    const char *failed = NULL;  // which step failed, for the message
    errno = 0;                  // a short fwrite need not set errno
    for (int i = 0; i < n_parts && !failed; i++) {
        if (lens[i] > 0 && fwrite(parts[i], 1, lens[i], fp) != lens[i]) failed = "write";
    }
    // fflush moves stdio's buffer into the kernel; fsync moves the kernel's
    // copy to the disk. Both can report a full disk.
    if (!failed && fflush(fp) != 0) failed = "write";
    if (!failed && fsync(fileno(fp)) != 0) failed = "sync";
    int saved_errno = errno;
    if (fclose(fp) != 0 && !failed) {
        failed = "close";
        saved_errno = errno;
    }
    if (failed) {
        io_errorf(err, errlen, "%s: cannot %s temporary file %s: %s", path, failed, tmp,
                saved_errno ? strerror(saved_errno) : "short write");
        remove(tmp);
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        io_errorf(err, errlen, "%s: cannot replace it with temporary file %s: %s", path, tmp, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    sync_parent_dir(path);
    return 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen) {
    const void *parts[1] = {data};
    size_t lens[1] = {len};
    return file_write_atomic_parts(path, parts, lens, 1, err, errlen);
}
