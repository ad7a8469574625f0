// files.h — the files of the commands that read a checkpoint and a text
// (eval, attn, outliers, needle): --model FILE and --text FILE in, a table
// built in memory out (--csv OUT), each failure one line on stderr that
// starts "difftx CMD: ".
#ifndef DIFFTX_CLI_FILES_H
#define DIFFTX_CLI_FILES_H

#include "io/strbuf.h"
#include "checkpoint_text.h"

// --model and --text, both required: the checkpoint and the text encoded
// with its vocabulary (ckpt_text_open). 0, or the exit status after one line on
// stderr: EXIT_USAGE for "--model FILE is required" (or --text), 1 when
// ckpt_text_open refused (its message). p is always safe to ckpt_text_close.
int cli_load_model_text(const char *cmd, const char *model, const char *text, CkptText *p);

// Writes b to path atomically (file_write_atomic) for `--FLAG path`. 0, or
// -1 after one line on stderr: "--FLAG path: out of memory" when b ran out of
// memory while it was built, "--FLAG: why" when the write failed.
int cli_write_strbuf(const char *cmd, const char *flag, const char *path, const StrBuf *b);

#endif
