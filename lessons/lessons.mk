# lessons.mk — the course's targets (included at the end of the Makefile).
#
#   make lesson N=05          lesson 05's gradient checks and tests on src/, PASS/FAIL in words
#   make exercise N=05        write exercises/05/: a copy of src/ with lesson 05's functions as stubs
#   make grade N=05           build exercises/05/ and grade it, function by function
#   make check-exercises      every exercise: the stubs fail the grader, the real code passes
#   make check-lessons        every file, function and command the lessons name exists and runs
#
# N is the lesson's number with two digits (N=05). The exercise copy is built
# with the same flags as bin/difftx, into exercises/NN/build and exercises/NN/bin.

.PHONY: lesson exercise grade train-exercise check-exercises check-lessons lesson-tests ex-build

LT         := lessons/tools
ifdef N
# N=5 and N=05 both mean lesson 05
override N := $(shell echo '$(N)' | awk '/^[0-9]+$$/ { printf "%02d", $$1 + 0; next } { print }')
endif
LESSON_ROW  = $(shell awk -F'|' -v n='$(N)' '$$1 == n' $(LT)/lessons.txt)
LESSON_TESTS = $(shell awk -F'|' -v n='$(N)' '$$1 == n { print $$4 }' $(LT)/lessons.txt)
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
need_n = @test -n "$(N)" || { echo "Say which lesson, with two digits: make $@ N=05"; exit 2; }

# ---- the grader and the lesson's tests, against the library in src/

$(B32)/lessons/grade: $(B32)/lessons/tools/grade.o $(LIB32)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(B64)/lessons/grade: $(B64)/lessons/tools/grade.o $(LIB64)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

lesson-tests:
	@$(MAKE) --no-print-directory $(B32)/lessons/grade $(B64)/lessons/grade \
	    $(foreach t,$(LESSON_TESTS),$(B32)/tests/$(t) $(B64)/tests/$(t))

lesson:
	$(need_n)
	@test -n "$(LESSON_ROW)" || { echo "There is no lesson $(N): lessons are 00 to 15, with two digits (N=05)."; exit 2; }
	@$(if $(LESSON_TESTS),sh tests/ensure-cmocka.sh "$(CC)")
	@$(MAKE) --no-print-directory lesson-tests N=$(N) >/dev/null
	@sh $(LT)/grade.sh lesson $(N) $(B64)/lessons/grade $(B32)/lessons/grade $(B64)/tests $(B32)/tests

# ---- exercises

exercise:
	$(need_n)
	@sh $(LT)/mkexercise.sh $(N) exercises/$(N)
	@echo "Wrote exercises/$(N)/ (see exercises/$(N)/README.md). Write the stubs in:"
	@grep '^- ' exercises/$(N)/README.md | sed 's/^- /    /; s/`//g'
	@echo "When you have written them: make grade N=$(N)"

grade:
	$(need_n)
	@grep -q '^$(N)|' $(LT)/exercises.txt || { echo "Lesson $(N) has no graded exercise (see its README for the others)."; exit 2; }
	@test -d exercises/$(N)/src || { echo "No exercises/$(N) yet: run 'make exercise N=$(N)' first."; exit 2; }
	@$(if $(LESSON_TESTS),sh tests/ensure-cmocka.sh "$(CC)")
	@echo "Building your copy (exercises/$(N)/src)..."
	@$(MAKE) --no-print-directory -j$(JOBS) ex-build EX=exercises/$(N) N=$(N) || \
	    { echo; echo "FAIL: your copy does not compile; the compiler's message above says where."; exit 1; }
	@sh $(LT)/grade.sh grade $(N) exercises/$(N)/bin/grade64 exercises/$(N)/bin/grade32 \
	    exercises/$(N)/bin/f64 exercises/$(N)/bin/f32

# The baby model trained by your exercise copy and by bin/difftx, same seed;
# one plot of both validation curves and the final losses side by side.
EXRUN = exercises/$(N)/runs
train-exercise: data all
	$(need_n)
	@test -d exercises/$(N)/src || { echo "No exercises/$(N) yet: run 'make exercise N=$(N)' first."; exit 2; }
	@$(MAKE) --no-print-directory -j$(JOBS) ex-build EX=exercises/$(N) N=$(N) >/dev/null
	@mkdir -p $(EXRUN)
	exercises/$(N)/bin/difftx train --preset baby --out $(EXRUN)/yours.safetensors
	bin/difftx train --preset baby --out $(EXRUN)/reference.safetensors
	bin/difftx plot --svg $(EXRUN)/curves.svg --y val_loss --title "Lesson $(N): your code and the reference" \
	    yours=$(EXRUN)/yours.csv reference=$(EXRUN)/reference.csv
	@echo "Both curves: $(EXRUN)/curves.svg (they should lie on top of each other)"

check-exercises: data all
	@sh tests/ensure-cmocka.sh "$(CC)"
	@$(MAKE) --no-print-directory test-build $(B32)/lessons/grade $(B64)/lessons/grade >/dev/null
	@sh $(LT)/check-exercises.sh

check-lessons: all
	@sh $(LT)/check-lessons.sh

# ---- building an exercise copy EX (a directory holding src/)

ifneq ($(EX),)
EX_SRC   := $(shell cd $(EX)/src 2>/dev/null && find . -name '*.c' ! -path './cli/main.c' | sed 's|^\./||' | LC_ALL=C sort)
# A file identical to its original in src/ (and every header unchanged) is not
# compiled again: its object from the main build is used.
EX_HDIFF := $(shell cd $(EX)/src 2>/dev/null && find . -name '*.h' | while read f; do cmp -s "$$f" "$(CURDIR)/src/$$f" || echo "$$f"; done)
EX_SAME  := $(if $(EX_HDIFF),,$(shell cd $(EX)/src 2>/dev/null && for f in $(EX_SRC); do cmp -s "$$f" "$(CURDIR)/src/$$f" && echo "$$f"; done))
EX_OWN   := $(filter-out $(EX_SAME),$(EX_SRC))
EX_OBJ32 := $(EX_OWN:%.c=$(EX)/build/f32/src/%.o) $(EX_SAME:%.c=$(B32)/src/%.o)
EX_OBJ64 := $(EX_OWN:%.c=$(EX)/build/f64/src/%.o) $(EX_SAME:%.c=$(B64)/src/%.o)

ex-build: $(EX)/bin/grade32 $(EX)/bin/grade64 $(EX)/bin/difftx \
          $(foreach t,$(LESSON_TESTS),$(EX)/bin/f32/$(t) $(EX)/bin/f64/$(t))

$(EX)/build/f32/src/%.o: $(EX)/src/%.c
	@mkdir -p $(@D)
	@echo "  CC $< (float)"
	@$(CC) -I$(EX)/src $(CFLAGS) -c $< -o $@

$(EX)/build/f64/src/%.o: $(EX)/src/%.c
	@mkdir -p $(@D)
	@echo "  CC $< (double)"
	@$(CC) -I$(EX)/src $(CFLAGS) -DDIFFTX_DOUBLE -c $< -o $@

$(EX)/build/f32/lessons/%.o: lessons/tools/%.c
	@mkdir -p $(@D)
	@$(CC) -I$(EX)/src $(CFLAGS) -c $< -o $@

$(EX)/build/f64/lessons/%.o: lessons/tools/%.c
	@mkdir -p $(@D)
	@$(CC) -I$(EX)/src $(CFLAGS) -DDIFFTX_DOUBLE -c $< -o $@

$(EX)/build/f32/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(CC) -I$(EX)/src $(CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(EX)/build/f64/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(CC) -I$(EX)/src $(CFLAGS) $(CMOCKA_CFLAGS) -DDIFFTX_DOUBLE -c $< -o $@

# The programs are always linked again: which objects they take (yours or the
# main build's) changes when a file becomes identical to src/ or stops being so,
# and an object older than the program would not trigger a relink.
.PHONY: ex-relink
$(EX)/bin/grade32: $(EX)/build/f32/lessons/grade.o $(EX_OBJ32) ex-relink
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) $(filter-out ex-relink,$^) -o $@ $(LDLIBS)

$(EX)/bin/grade64: $(EX)/build/f64/lessons/grade.o $(EX_OBJ64) ex-relink
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) $(filter-out ex-relink,$^) -o $@ $(LDLIBS)

# The copy's own program: every kernel table in it runs the learner's functions.
$(EX)/bin/difftx: $(B32)/src/cli/main.o $(EX_OBJ32) ex-relink
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) $(filter-out ex-relink,$^) -o $@ $(LDLIBS)

$(EX)/bin/f32/%: $(EX)/build/f32/tests/%.o $(EX_OBJ32) ex-relink
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) $(filter-out ex-relink,$^) -o $@ $(CMOCKA_LIBS) $(LDLIBS)

$(EX)/bin/f64/%: $(EX)/build/f64/tests/%.o $(EX_OBJ64) ex-relink
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) $(filter-out ex-relink,$^) -o $@ $(CMOCKA_LIBS) $(LDLIBS)

-include $(shell find $(EX)/build -name '*.d' 2>/dev/null)
endif
