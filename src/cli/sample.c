// sample.c (command) — `difftx sample`: continue a prompt with text from a
// trained model, streaming each character as soon as it is chosen.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "checkpoint_text.h"
#include "sample.h"

static void emit_stdout(unsigned char byte, void *ctx) {
    int *last = ctx;
    *last = byte;
    fputc(byte, stdout);
    fflush(stdout);
}

int cmd_sample(const char *prog, int argc, char **argv) {
    (void)prog;
    const char *model = NULL, *prompt = NULL;
    int tokens = 500, top_k = 0;
    double temperature = 0.8;
    long seed = 1337;
    int kernels = KERNELS_FAST;
    ArgSpec specs[] = {
        {"model", ARG_STRING, &model, 0, 0, NULL, "checkpoint to sample from (required)", 0},
        {"prompt", ARG_STRING, &prompt, 0, 0, NULL, "text to continue (default: start after a newline)", 0},
        {"tokens", ARG_INT, &tokens, 0, 1e9, NULL, "characters to generate (default 500)", 0},
        {"temperature", ARG_DOUBLE, &temperature, 0, 1e6, NULL, "softmax temperature; 0 = always the likeliest (default 0.8)", 0},
        {"top_k", ARG_INT, &top_k, 0, 1e6, NULL, "draw only among the K likeliest; 0 = all (default 0)", 0},
        {"seed", ARG_LONG, &seed, 0, 9e18, NULL, "random seed (default 1337)", 0},
        {"kernels", ARG_CHOICE, &kernels, 0, 0, kernel_names, "layer implementations: fast (default) or ref (the teaching functions)", 0},
    };
    const int ns = (int)(sizeof specs / sizeof specs[0]);
    int rc = args_parse("sample", "--model FILE [--prompt TEXT] [--tokens N] [--temperature T] [--top_k K] [--seed S]", argc, argv, specs, ns);
    if (rc == 1) return 0; // help was printed
    if (rc) return rc;
    if (!model) {
        fprintf(stderr, "difftx sample: --model FILE is required (a checkpoint written by difftx train)\n");
        return EXIT_USAGE;
    }

    char err[512];
    Model m;
    Vocab v;
    if (checkpoint_load(model, &m, &v, NULL, NULL, NULL, err, sizeof err)) {
        fprintf(stderr, "difftx sample: %s\n", err);
        return 1;
    }
    const size_t np = prompt ? strlen(prompt) : 0;
    int *ids = malloc((np ? np : 1) * sizeof(int));
    if (!ids) {
        fprintf(stderr, "difftx sample: out of memory\n");
        model_free(&m);
        return 1;
    }
    if (np && ckpt_text_encode(&v, (const unsigned char *)prompt, np, ids, "--prompt", err, sizeof err)) {
        fprintf(stderr, "difftx sample: %s\n", err);
        free(ids), model_free(&m);
        return EXIT_USAGE;
    }
    rc = 0;
    model_use_kernels(&m, (KernelKind)kernels);
    if (model_check_memory(&m.cfg, 1, m.cfg.block_size, 0, err, sizeof err) ||
        model_alloc_acts(&m, 1, m.cfg.block_size, err, sizeof err)) {
        fprintf(stderr, "difftx sample: %s\n", err);
        rc = 1;
    } else {
        Rng rng;
        rng_seed(&rng, (uint64_t)seed);
        int last = np ? (unsigned char)prompt[np - 1] : '\n';
        fwrite(prompt ? prompt : "", 1, np, stdout);
        fflush(stdout);
        const SampleSettings how = {.n_tokens = tokens, .temperature = temperature, .top_k = top_k, .rng = &rng,
                                    .emit = emit_stdout, .ctx = &last};
        if (sample_generate(&m, &v, ids, (int)np, &how, err, sizeof err)) {
            fprintf(stderr, "difftx sample: %s\n", err);
            rc = 1;
        } else if (last != '\n') {
            putchar('\n'); // leave the shell prompt on a line of its own
        }
    }
    free(ids), model_free(&m);
    return rc;
}
