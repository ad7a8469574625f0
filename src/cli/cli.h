// cli.h — the commands of the difftx program. Each command lives in its own
// file, parses its own flags and returns the process exit status:
// 0 success, 1 failure, 2 a usage error (bad flag or value). `prog` is the
// path the program was started as; argv[0] is the command's name.
#ifndef DIFFTX_CLI_H
#define DIFFTX_CLI_H

#define EXIT_USAGE 2

int cmd_gradcheck(const char *prog, int argc, char **argv);
int cmd_sample(const char *prog, int argc, char **argv);
int cmd_eval(const char *prog, int argc, char **argv);
int cmd_info(const char *prog, int argc, char **argv);
int cmd_train(const char *prog, int argc, char **argv);
int cmd_bench(const char *prog, int argc, char **argv);
int cmd_plot(const char *prog, int argc, char **argv);
int cmd_attn(const char *prog, int argc, char **argv);
int cmd_outliers(const char *prog, int argc, char **argv);
int cmd_needle(const char *prog, int argc, char **argv);

// `difftx train`'s flags (and preset) into options, checked against SPEC's
// rules and the machine's memory: 0 ok, 1 help was printed, 2 a usage error
// (one line on stderr). Separate from cmd_train so the fuzzer can drive it.
struct TrainOptions;
int train_parse_args(int argc, char **argv, struct TrainOptions *out);

#endif
