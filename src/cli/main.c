// main.c — the difftx command line: one word picks the command.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "difftx.h"

typedef struct {
    const char *name;
    int (*run)(const char *prog, int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"train", cmd_train, "train a model on a text (TinyShakespeare by default)"},
    {"sample", cmd_sample, "generate text from a checkpoint, streaming it as it is produced"},
    {"eval", cmd_eval, "mean loss (and optionally its gradient) of a checkpoint on a text"},
    {"info", cmd_info, "describe a checkpoint: configuration, parameter counts, training state"},
    {"bench", cmd_bench, "measure training speed on this machine (tokens/s, GFLOP/s, time per layer kind)"},
    {"attn", cmd_attn, "attention maps of one layer on one window of a text (SVG heatmaps, summary per map)"},
    {"outliers", cmd_outliers, "largest activations vs the median: attention logits and hidden states"},
    {"needle", cmd_needle, "needle-in-a-haystack retrieval: accuracy and attention on the answer vs the filler"},
    {"gradcheck", cmd_gradcheck, "check every layer's backward pass against centred differences"},
    {"plot", cmd_plot, "line plots of training logs (mean and band over seeds) and bar charts, as SVG"},
};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

static void usage(FILE *f) {
    fprintf(f, "difftx — Transformers and Differential Transformers from scratch (" REAL_NAME " build)\n\n");
    fprintf(f, "usage: difftx COMMAND [flags]   (difftx COMMAND --help for its flags)\n\ncommands:\n");
    for (int i = 0; i < n_commands; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

// OpenMP threads that finish a parallel loop early wait for the others. By
// default they spin, which is fastest on an idle machine, but on a busy one
// a spinning thread uses the very core its late partner is waiting for:
// measured on a 2-core machine with other programs running, a training step
// took 20 times longer than with sleeping waits. So unless the user chose
// (OMP_WAIT_POLICY set), difftx asks for passive waiting. The runtime reads
// the variable when the program loads, before main, hence the restart.
static void prefer_passive_waiting(char **argv) {
#ifdef _OPENMP
    if (getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1)) return;
#ifdef __linux__
    char self[4096]; // the real path, so the process keeps its name (not "exe")
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        execv(self, argv);
    }
#endif
    execvp(argv[0], argv); // only returns if it failed: carry on as we are
#else
    (void)argv;
#endif
}

int main(int argc, char **argv) {
    prefer_passive_waiting(argv);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    for (int i = 0; i < n_commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argv[0], argc - 1, argv + 1);
    fprintf(stderr, "difftx: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
