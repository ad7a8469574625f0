# difftx — build, test, data and training targets.
#
#   make            build bin/difftx (float) and bin/difftx64 (double, used by gradcheck)
#   make test       make sure cmocka is installed, build every test in float and double, run them
#   make data       fetch (or copy from $$TINYSHAKESPEARE) and verify TinyShakespeare
#   make gradcheck  print the per-layer gradient-check table
#   make train      data + build + train the `baby` differential/rotary model, then sample
#   make sample     more text from the model `make train` wrote
#   make bench      training speed of the `baby` model on this machine, standard and differential
#
# Options: CC=clang, OMP=0 (no OpenMP), SAN=1 (AddressSanitizer + UBSan), NATIVE=0.

CC     ?= cc
OMP    ?= 1
SAN    ?= 0
NATIVE ?= 1
OPT    ?= -O3

# -- compiler feature probes (a flag is used only if this compiler accepts it) --
cc_ok = $(shell printf '$(2)' | $(CC) $(1) -x c - -o /dev/null >/dev/null 2>&1 && echo yes)
OMP_PROG := \#include <omp.h>\nint main(void){return omp_get_max_threads()>0?0:1;}\n
NOP_PROG := int main(void){return 0;}\n

ifeq ($(OMP),1)
  ifeq ($(call cc_ok,-fopenmp,$(OMP_PROG)),yes)
    OMP_FLAGS := -fopenmp
  endif
endif
ifeq ($(NATIVE),1)
  ifeq ($(call cc_ok,-march=native,$(NOP_PROG)),yes)
    ARCH_FLAGS := -march=native
    # On AVX-512 machines: 512-bit vectors (the matmul tiles in linear.c assume them).
    ifneq ($(shell $(CC) -march=native -dM -E -x c /dev/null 2>/dev/null | grep -c __AVX512F__),0)
      ARCH_FLAGS += -mprefer-vector-width=512
    endif
  endif
endif
# `#pragma omp simd` is honoured without the OpenMP runtime (vectorisation only).
ifeq ($(call cc_ok,-fopenmp-simd,$(NOP_PROG)),yes)
  SIMD_FLAGS := -fopenmp-simd
endif
ifeq ($(SAN),1)
  SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DDIFFTX_SAN
  OPT := -O1 -g
endif

# No -ffast-math: results must be reproducible and comparable to other frameworks.
# -ffp-contract=fast lets the compiler fuse a*b+c into one FMA instruction.
CFLAGS  ?= $(OPT)
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -ffp-contract=fast \
           $(ARCH_FLAGS) $(SIMD_FLAGS) $(OMP_FLAGS) $(SAN_FLAGS) -MMD -MP -Isrc
LDFLAGS += $(OMP_FLAGS) $(SAN_FLAGS)
LDLIBS  += -lm

TAG   := $(if $(filter 1,$(SAN)),san-)$(if $(OMP_FLAGS),omp,noomp)
B32   := build/$(TAG)-f32
B64   := build/$(TAG)-f64

SRC     := $(shell find src -name '*.c' | LC_ALL=C sort)
LIBSRC  := $(filter-out src/cli/main.c,$(SRC))
TESTSRC := $(wildcard tests/test_*.c)
LIB32   := $(LIBSRC:%.c=$(B32)/%.o)
LIB64   := $(LIBSRC:%.c=$(B64)/%.o)
TESTS32 := $(TESTSRC:tests/%.c=$(B32)/tests/%)
TESTS64 := $(TESTSRC:tests/%.c=$(B64)/tests/%)

# cmocka's flags are looked up when a test is built, after tests/ensure-cmocka.sh ran.
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

.SECONDARY:
.PHONY: all test test-build cmocka data gradcheck train sample bench clean
all: bin/difftx bin/difftx64 bin/needle

bin/difftx: $(LIB32) $(B32)/src/cli/main.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

bin/difftx64: $(LIB64) $(B64)/src/cli/main.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(B32)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(B64)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -DDIFFTX_DOUBLE -c $< -o $@

$(B32)/tests/%: $(B32)/tests/%.o $(LIB32)
	$(CC) $(LDFLAGS) $^ -o $@ $(CMOCKA_LIBS) $(LDLIBS)

$(B64)/tests/%: $(B64)/tests/%.o $(LIB64)
	$(CC) $(LDFLAGS) $^ -o $@ $(CMOCKA_LIBS) $(LDLIBS)

cmocka:
	@sh tests/ensure-cmocka.sh "$(CC)"

# A sanitized build does not relink bin/ (benchmarks and users run those).
test-build: $(if $(filter 1,$(SAN)),,all) $(TESTS32) $(TESTS64)

test: cmocka
	@$(MAKE) --no-print-directory test-build
	@sh tests/run.sh $(TESTS32) $(TESTS64)

data:
	@sh data/fetch.sh

gradcheck: all
	bin/difftx gradcheck

MODEL ?= runs/baby.safetensors

train: data all
	@mkdir -p $(dir $(MODEL))
	bin/difftx train --preset baby --attn differential --pos rotary --out $(MODEL)
	@echo; echo "--- a sample from $(MODEL) (make sample for more) ---"
	@bin/difftx sample --model $(MODEL) --tokens 400

sample: all
	@test -f $(MODEL) || { echo "no model at $(MODEL): run 'make train' first"; exit 1; }
	@bin/difftx sample --model $(MODEL) --tokens 1500

bench: all
	bin/difftx bench --preset baby --attn standard --kernels fast,ref
	@echo
	bin/difftx bench --preset baby --attn differential --kernels fast,ref

clean:
	rm -rf build bin

# ---- robustness: the program the CLI tests run, libFuzzer targets ----------
#   make fuzz       build the libFuzzer targets (clang) and run each for FUZZ_SECONDS (300)
#   make fuzz-ci    the same for FUZZ_CI_SECONDS (25) each, as .ci/run does
# Targets: tests/fuzz/fuzz_checkpoint.c (checkpoint reader), tests/fuzz/fuzz_args.c
# (difftx train's flags). Seeds: tests/corpus/NAME; new inputs and crashes go to build/fuzz.

# The tests that run the program: each runs the difftx of its own configuration
# (plain, SAN=1, f32/f64), never bin/difftx, which the last build of any
# configuration may have relinked; the needle test also runs bin/needle.
PROGRAM_TESTS := test_needle test_plot test_probe test_robust
$(B32)/difftx: $(LIB32) $(B32)/src/cli/main.o
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
$(B64)/difftx: $(LIB64) $(B64)/src/cli/main.o
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
$(PROGRAM_TESTS:%=$(B32)/tests/%.o): CFLAGS += -DDIFFTX_BIN='"$(B32)/difftx"'
$(PROGRAM_TESTS:%=$(B64)/tests/%.o): CFLAGS += -DDIFFTX_BIN='"$(B64)/difftx"'
$(PROGRAM_TESTS:%=$(B32)/tests/%): | $(B32)/difftx bin/needle
$(PROGRAM_TESTS:%=$(B64)/tests/%): | $(B64)/difftx bin/needle

FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 300
FUZZ_CI_SECONDS ?= 25
FUZZERS         := checkpoint args
FZ              := build/fuzz
FUZZ_SAN        := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS     := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fopenmp-simd -Wno-pass-failed -Isrc $(FUZZ_SAN)

$(FZ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(LIBSRC:%.c=$(FZ)/%.o)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ -lm

.PHONY: fuzz fuzz-ci fuzz-build
fuzz-build: $(FUZZERS:%=$(FZ)/fuzz_%)
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)
fuzz-ci: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_CI_SECONDS) $(FUZZERS)
# ---- end of robustness -----------------------------------------------------

# needle-in-a-haystack: the generator (standalone, libc only); test_needle runs it
# (see PROGRAM_TESTS).
bin/needle: data/needle.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -Wall -Wextra -Wshadow $< -o $@

-include $(shell find build -name '*.d' 2>/dev/null)
include lessons/lessons.mk
include notebooks-md/notebooks.mk
