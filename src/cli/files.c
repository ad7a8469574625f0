// files.c — see files.h.
#include "cli/files.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "io/file.h"

int cli_load_model_text(const char *cmd, const char *model, const char *text, CkptText *p) {
    memset(p, 0, sizeof *p);
    if (!model || !text) {
        fprintf(stderr, "difftx %s: --%s FILE is required\n", cmd, !model ? "model" : "text");
        return EXIT_USAGE;
    }
    char err[512];
    if (ckpt_text_open(p, model, text, err, sizeof err)) {
        fprintf(stderr, "difftx %s: %s\n", cmd, err);
        return 1;
    }
    return 0;
}

int cli_write_strbuf(const char *cmd, const char *flag, const char *path, const StrBuf *b) {
    char err[512];
    if (b->failed) {
        fprintf(stderr, "difftx %s: --%s %s: out of memory\n", cmd, flag, path);
        return -1;
    }
    if (file_write_atomic(path, b->s, b->len, err, sizeof err)) {
        fprintf(stderr, "difftx %s: --%s: %s\n", cmd, flag, err);
        return -1;
    }
    return 0;
}
