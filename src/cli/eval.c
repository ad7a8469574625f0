// eval.c (command) — `difftx eval`: SPEC.md's evaluation contract. Prints
// `loss: %.6f` on stdout; everything else goes to stderr, so the one line is
// easy to parse and compare with another framework.
#include <stdio.h>

#include "checkpoint.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/files.h"
#include "eval.h"

int cmd_eval(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *model = NULL, *text = NULL, *grad = NULL;
    int batch = 8;
    int kernels = KERNELS_FAST;
    ArgSpec specs[] = {
        {"model", ARG_STRING, &model, 0, 0, NULL, "checkpoint to evaluate (required)", 0},
        {"text", ARG_STRING, &text, 0, 0, NULL, "text file to evaluate on (required)", 0},
        {"grad", ARG_STRING, &grad, 0, 0, NULL, "also write d(loss)/d(tensor) for every model tensor to this file", 0},
        {"batch", ARG_INT, &batch, 1, 1 << 20, NULL, "windows per forward pass; does not change the result (default 8)", 0},
        {"kernels", ARG_CHOICE, &kernels, 0, 0, kernel_names, "layer implementations: fast (default) or ref (the teaching functions)", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);
    int rc = args_parse("eval", "--model FILE --text FILE [--grad OUT] [--batch N]", argc, argv, specs, ns);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;

    char err[512];
    CkptText p; // the checkpoint, and the text encoded with its vocabulary
    if ((rc = cli_load_model_text("eval", model, text, &p))) goto done;
    rc = 1;
    Model *m = &p.m;
    const size_t n = p.n;
    const int T = m->cfg.block_size;
    const size_t W = eval_n_windows(n, T);
    if (W == 0) {
        fprintf(stderr, "difftx eval: %s: %zu bytes is too short; one window needs block_size + 1 = %d\n", text, n,
                T + 1);
        goto done;
    }
    const int B = W < (size_t)batch ? (int)W : batch;
    model_use_kernels(m, (KernelKind)kernels);
    if (model_check_memory(&m->cfg, B, T, grad != NULL, err, sizeof err) || model_alloc_acts(m, B, T, err, sizeof err)) {
        fprintf(stderr, "difftx eval: %s\n", err);
        goto done;
    }
    fprintf(stderr, "eval: %zu windows of %d tokens (%zu of %zu tokens used), batch %d\n", W, T, W * T + 1, n, B);
    double loss;
    if (eval_windows(m, p.tokens, n, B, &loss, grad != NULL)) {
        fprintf(stderr, "difftx eval: out of memory for the gradient accumulator\n");
        goto done;
    }
    printf("loss: %.6f\n", loss);
    fflush(stdout);
    if (grad) {
        if (checkpoint_save_grads(grad, m, err, sizeof err)) {
            fprintf(stderr, "difftx eval: --grad: %s\n", err);
            goto done;
        }
        fprintf(stderr, "eval: gradient of the mean loss written to %s\n", grad);
    }
    rc = 0;
done:
    ckpt_text_close(&p);
    return rc;
}
