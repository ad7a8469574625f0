# notebooks.mk — the markdown notebooks of notebooks-md/ (included at the end of the Makefile).
#
#   make notebooks            every notebook in full (its outputs rewritten in the .md, checkpoints
#                             in runs/notebooks/, figures in notebooks-md/figures/), then its quick
#                             variant, whose outputs are stored in notebooks-md/quick/NN-name.out
#   make notebook N=03        the same for notebook 03 alone
#   make notebooks-check      every notebook's quick variant, compared with notebooks-md/quick/
#                             (N=03: notebook 03 alone); fails on a failing command or drift
#
# notebooks-md/run.sh does the work; its header describes the notebook format. Each target first
# builds bin/difftx and fetches TinyShakespeare (make data).

.PHONY: notebooks notebook notebooks-check

NB_DIR := notebooks-md
NB_RUN := bash $(NB_DIR)/run.sh
NB_ALL := $(sort $(wildcard $(NB_DIR)/[0-9]*.md))
# N=3 and N=03 both mean notebook 03
NB_N    = $(shell echo '$(N)' | awk '/^[0-9]+$$/ { printf "%02d", $$1 + 0; next } { print }')
NB_ONE  = $(wildcard $(NB_DIR)/$(NB_N)-*.md)
NB_SOME = $(if $(N),$(NB_ONE),$(NB_ALL))

nb_none = echo "There are no notebooks in $(NB_DIR)/ yet (NN-name.md)."
nb_need_one = \
    test -n "$(N)" || { echo "Say which notebook, with two digits: make $@ N=03"; exit 2; }; \
    test -n "$(NB_ONE)" || { echo "There is no notebook $(NB_N) in $(NB_DIR)/ (expected $(NB_DIR)/$(NB_N)-name.md)."; exit 2; }; \
    test "$(words $(NB_ONE))" = 1 || { echo "Several notebooks are numbered $(NB_N): $(NB_ONE)"; exit 2; }

notebooks: bin/difftx bin/needle data
	@$(if $(NB_ALL),$(NB_RUN) full $(NB_ALL) && $(NB_RUN) quick-update $(NB_ALL),$(nb_none))

notebook: bin/difftx bin/needle data
	@$(nb_need_one)
	@$(NB_RUN) full $(NB_ONE) && $(NB_RUN) quick-update $(NB_ONE)

notebooks-check: bin/difftx bin/needle data
	@$(if $(N),$(nb_need_one))
	@$(if $(NB_SOME),$(NB_RUN) quick-check $(NB_SOME),$(nb_none))

# ---- tests of `difftx plot` and of the runner, in `make test` ----------------------------
# tests/test_plot runs the program of its own configuration, like tests/test_robust.
$(B32)/tests/test_plot.o: CFLAGS += -DDIFFTX_BIN='"$(B32)/difftx"'
$(B64)/tests/test_plot.o: CFLAGS += -DDIFFTX_BIN='"$(B64)/difftx"'
$(B32)/tests/test_plot: | $(B32)/difftx
$(B64)/tests/test_plot: | $(B64)/difftx
# The runner's own test is a script (about a second): `make test` hands every name in TESTS32
# and TESTS64 to tests/run.sh, which runs it. Added here, after the Makefile has used the lists
# as test-build's prerequisites, so that nothing tries to build it.
TESTS64 += tests/notebooks/check-runner.sh
