#!/usr/bin/env bash
# check-runner.sh — the notebook runner (notebooks-md/run.sh) against its promises:
# a full run rewrites outputs and leaves prose byte for byte, a second full run changes nothing,
# quick-update then quick-check passes, quick-check fails on a number beyond the tolerance (and
# not within it), on changed words, lines or commands, but not on a `# nocheck` output; a failing
# command (or a pipeline failing inside, or an exit) fails the run and leaves the notebook as it
# was; malformed notebooks are refused. Everything happens in a copy under build/notebooks-test
# (NOTEBOOK_OUT_ROOT), removed when all checks pass. Takes about a second.
set -u
cd "$(dirname "$0")/../.." || exit 1
S=build/notebooks-test
RUN=notebooks-md/run.sh
EXAMPLE=tests/notebooks/00-runner-example.md
export NOTEBOOK_OUT_ROOT=$S
unset NOTEBOOK_RTOL NOTEBOOK_ATOL  # the checks below assume the default tolerance
rm -rf "$S"
mkdir -p "$S/nb" || exit 1
NB=$S/nb/00-runner-example.md
OUT=$S/nb/quick/00-runner-example.out
passed=0
failed=0

ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
bad() {
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$1"
    [ -f "$S/log" ] && sed 's/^/        /' "$S/log"
}
# expect WHAT STATUS WORD... -- COMMAND...: COMMAND exits with STATUS and its stdout+stderr
# hold every WORD.
expect() {
    local what=$1 want=$2 words=() w rc
    shift 2
    while [ "$1" != -- ]; do words+=("$1"); shift; done
    shift
    "$@" >"$S/log" 2>&1
    rc=$?
    if [ "$rc" != "$want" ]; then
        bad "$what: exit status $rc, expected $want"
        return
    fi
    for w in "${words[@]}"; do
        if ! grep -qF -- "$w" "$S/log"; then
            bad "$what: the runner's output lacks \"$w\""
            return
        fi
    done
    ok "$what"
}
same() { # WHAT FILE1 FILE2
    if cmp -s "$2" "$3"; then ok "$1"; else
        diff "$2" "$3" >"$S/log"
        bad "$1: $2 and $3 differ"
    fi
}
edit() { sed "$1" "$2" >"$2.new" && mv "$2.new" "$2"; } # SED-SCRIPT FILE, in place (no sed -i: not POSIX)
# tamper SED-SCRIPT: a fresh copy of the stored outputs, edited.
tamper() {
    cp "$S/out.good" "$OUT" && edit "$1" "$OUT"
    if cmp -s "$S/out.good" "$OUT"; then
        rm -f "$S/log"
        bad "the test's edit '$1' changed nothing in $OUT"
    fi
}

# ---- full: outputs rewritten in place, prose kept, a re-run changes nothing
cp "$EXAMPLE" "$NB"
edit '/^hello from the runner$/d' "$NB"
awk '{ print } /^\$ seq \$STEPS$/ { print "stale output" }' "$NB" >"$NB.new" && mv "$NB.new" "$NB"
grep -q '^stale output$' "$NB" || bad "the test could not plant a stale output line"
expect "full run" 0 "outputs rewritten" "[9/9] cell 3" -- "$RUN" full "$NB"
same "full run rewrites the outputs and keeps the prose" "$EXAMPLE" "$NB"
expect "second full run" 0 "outputs unchanged" -- "$RUN" full "$NB"
same "second full run changes nothing" "$EXAMPLE" "$NB"

# ---- quick: store, then check
expect "quick-update" 0 "wrote $OUT" -- "$RUN" quick-update "$NB"
if grep -qx 'hi, 1 seeds, mode quick' "$OUT" && grep -qx 'took ~ s, ~ tokens/s, ETA ~, peak resident memory ~ MiB' "$OUT" &&
    grep -qx 'step 3/3: done' "$OUT"; then
    ok "quick outputs use the quick settings and are normalised"
else
    cp "$OUT" "$S/log"
    bad "quick outputs in $OUT"
fi
cp "$OUT" "$S/out.good"
expect "quick-check of an unchanged run" 0 "outputs match" -- "$RUN" quick-check "$NB"

tamper 's/^seed 1: loss 1.5000$/seed 1: loss 1.5100/'
expect "quick-check: a number within the tolerance (0.7%)" 0 "outputs match" -- "$RUN" quick-check "$NB"
tamper 's/^seed 1: loss 1.5000$/seed 1: loss 1.5200/'
expect "quick-check: a number beyond the tolerance (1.3%)" 1 "command 4 drifted" "1.5200 became 1.5000" \
    "stored: seed 1: loss 1.5200" "now:    seed 1: loss 1.5000" -- "$RUN" quick-check "$NB"
tamper 's/^RUNS and FIG exist$/RUNS and FIG missing/'
expect "quick-check: a changed word" 1 '"missing" became "exist"' -- "$RUN" quick-check "$NB"
tamper '/^\$ seq/{n;d;}'
expect "quick-check: a missing line" 1 "command 5 drifted" "(1 lines stored, 2 now)" -- "$RUN" quick-check "$NB"
tamper 's/^machine-dependent: 42$/machine-dependent: 7/'
expect "quick-check: a # nocheck output is not compared" 0 "outputs match" -- "$RUN" quick-check "$NB"
tamper 's/^\$ seq \$STEPS$/$ seq 2/'
expect "quick-check: the notebook's commands changed" 1 "the commands differ" "quick-update" -- "$RUN" quick-check "$NB"
cp "$S/out.good" "$OUT"
expect "quick-check passes again" 0 "outputs match" -- "$RUN" quick-check "$NB"

# ---- failures stop the run and leave the notebook as it was
write_nb() { # FILE, then the cell's command lines
    local f=$1
    shift
    { printf '# t\n\n<!-- full: X=1 -->\n<!-- quick: X=2 -->\n\n```console\n'; printf '%s\n' "$@"; printf '```\n'; } >"$f"
}
F=$S/nb/01-failing.md
write_nb "$F" '$ echo before' '$ echo "$X" | grep -q 9 | cat' '$ echo after'
cp "$F" "$S/failing.orig"
expect "a failing pipeline fails the full run" 1 "01-failing.md: cell 1 (line 8), command 2 of 3 failed with exit status 1" \
    'echo "$X" | grep -q 9 | cat' -- "$RUN" full "$F"
same "a failed full run leaves the notebook untouched" "$S/failing.orig" "$F"
expect "a failing command fails quick-update, which stores nothing" 1 "command 2 of 3 failed" -- "$RUN" quick-update "$F"
if [ -e "$S/nb/quick/01-failing.out" ]; then bad "quick-update stored outputs of a failed run"; else ok "no .out for a failed run"; fi
write_nb "$F" '$ echo before' '$ ls /nonexistent-notebook-dir' '$ echo after'
expect "a failing command's output is shown" 1 "ls /nonexistent-notebook-dir" "No such file" -- "$RUN" quick-update "$F"
write_nb "$F" '$ echo before; exit 3' '$ echo after'
expect "an exit in a command fails the run" 1 "command 1 of 2 did not run to its end (the shell's exit status is 3" \
    -- "$RUN" full "$F"
write_nb "$F" '$ echo before' '$ echo (' '$ echo after'
expect "a bash syntax error fails the run" 1 "command 2 of 3 did not run to its end" -- "$RUN" full "$F"

# ---- malformed notebooks and usage
printf '<!-- full: X=1 -->\n\n```console\n$ echo hi\n```\n' >"$F"
expect "a notebook without its quick line" 2 "no <!-- quick:" -- "$RUN" quick-check "$F"
printf '<!-- full: -->\n<!-- quick: -->\n```console\n$ echo hi\n```\n' >"$F"
expect "quick-check without stored outputs" 1 "no stored quick outputs" "quick-update" -- "$RUN" quick-check "$F"
printf '<!-- full: X=( -->\n<!-- quick: -->\n```console\n$ echo hi\n```\n' >"$F"
expect "a settings line that is not bash" 2 "its <!-- full: ... --> line is not valid bash" -- "$RUN" full "$F"
printf '<!-- full: -->\n<!-- quick: -->\n```console\n$ echo hi\n' >"$F"
expect "an unclosed cell" 2 "01-failing.md:4: the console cell opened on line 3 is never closed" -- "$RUN" full "$F"
printf '<!-- full: -->\n<!-- quick: -->\n```console\nhi\n$ echo hi\n```\n' >"$F"
expect "text before a cell's first command" 2 '01-failing.md:4: a console cell must start with a "$ " command line' \
    -- "$RUN" full "$F"
printf '<!-- full: -->\n<!-- quick: -->\n```console\n$ echo "$ x"\n```\n' >"$F"
expect "an output line that looks like a command" 2 'output line 1 starts with "$ "' -- "$RUN" full "$F"
expect "an unknown mode" 2 "unknown mode 'fast'" -- "$RUN" fast "$F"
expect "a missing notebook" 2 "no such notebook" -- "$RUN" full "$S/nb/02-none.md"

echo
if [ "$failed" -gt 0 ]; then
    echo "check-runner: $failed of $((passed + failed)) checks FAILED (files kept in $S)"
    exit 1
fi
rm -rf "$S"
echo "check-runner: all $passed checks passed"
