#!/usr/bin/env bash
# run.sh — run the markdown notebooks of notebooks-md/ and keep the outputs they show true.
#
#   notebooks-md/run.sh full FILE...          run every command with the full settings and rewrite
#                                             its output in FILE, in place (prose untouched)
#   notebooks-md/run.sh quick-update FILE...  run with the quick settings and store the outputs in
#                                             DIR/quick/NN-name.out (DIR: the notebook's folder)
#   notebooks-md/run.sh quick-check FILE...   run with the quick settings and fail if a command fails
#                                             or its output drifted from DIR/quick/NN-name.out
#
# One notebook: give one FILE (or `make notebook N=03`, `make notebooks-check N=03`). Progress
# (each command as it starts, then its time) goes to stderr. Exit status: 0 all good, 1 a
# command failed or an output drifted, 2 a usage error or a malformed notebook. `full` stops at
# the first failing notebook (the others could take hours); the quick modes go on and list them.
#
# THE NOTEBOOK FORMAT
#
# A notebook is DIR/NN-name.md. Before its first cell, two HTML comments give the settings of
# the two modes as bash assignments (invisible when the markdown is rendered):
#
#     <!-- full: ITERS=2000 SEEDS="1 2 3" -->
#     <!-- quick: ITERS=20 SEEDS="1" -->
#
# Cells are fenced blocks opened with ```console. In a cell, a line starting with "$ " is a
# command (a line ending with a backslash continues it on the next line, verbatim); the lines
# after it, up to the next "$ " line or the closing fence, are its output, which this script
# writes. All commands of a notebook run in order in ONE bash process (variables, functions
# and loops carry over), starting at the repository root, with `set -o pipefail`, stdin from
# /dev/null, stdout and stderr both captured. Also defined and exported (the paths are relative
# to the repository root: change directory in a subshell only, `(cd x && ...)`):
#
#     RUNS            checkpoints and logs: runs/notebooks/NN-name (full),
#                     build/notebooks-quick/NN-name/runs (quick; emptied before each run)
#     FIG             figures: notebooks-md/figures (full), build/notebooks-quick/NN-name/figures (quick)
#     NOTEBOOK_MODE   full or quick
#     PATH            starts with bin/, so a cell can say `difftx ...`
#
# A command that exits non-zero stops the notebook: the runner names the notebook, cell, line
# and command, shows its output and exits 1 (a loop's status is that of its last command: write
# `|| exit 1` inside loops whose every step matters). A command whose last line ends with the
# comment `# nocheck` runs and is recorded, but quick-check does not compare its output (for
# outputs that depend on the machine, such as difftx bench). Not supported: heredocs, output
# lines starting with "$ " or "```" (indent them: `| sed 's/^/  /'`).
#
# Outputs are normalised in every mode (the rules: notebooks-md/awk/normalise.awk) so that a
# re-run changes nothing but what really changed. quick-check compares outputs word by word
# (notebooks-md/awk/compare.awk): words must be equal, numbers within a tolerance (see RTOL below).
#
# NOTEBOOK_OUT_ROOT=DIR puts runs/, build/ and notebooks-md/figures under DIR instead of the
# repository (the runner's own test uses it; a relative DIR is taken from the repository root);
# the .md and its .out are always next to the notebook.

set -u -o pipefail
export LC_ALL=C

# quick-check: numbers a (stored) and b (now) match when |a - b| <= RTOL * max(|a|, |b|) + ATOL.
# Not exact, because bin/difftx is built with -march=native: on another CPU (another vector
# width, FMA or not, another OpenMP split) sums are taken in another order, and their last bits
# differ; a few training steps carry that into the printed digits. 1% absorbs it; a real change
# of code or settings moves a loss by far more. ATOL lets a value drift around 0.
RTOL=${NOTEBOOK_RTOL:-1e-2}
ATOL=${NOTEBOOK_ATOL:-1e-6}

CALLER_PWD=$(pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
ROOT_LOGICAL=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
PREFIX=${NOTEBOOK_OUT_ROOT:+${NOTEBOOK_OUT_ROOT%/}/}

die_usage() {
    printf 'run.sh: %s\n' "$1" >&2
    printf 'usage: notebooks-md/run.sh full|quick-update|quick-check NOTEBOOK.md...\n' >&2
    exit 2
}

# ---- the awk programs ----------------------------------------------------------------------
#
# In notebooks-md/awk/, POSIX awk only (they run under mawk, gawk --posix, BWK awk and busybox
# awk); each file's header says what it reads, writes and prints:
#   parse.awk      the notebook grammar: plans a run (mode=plan) and rewrites a notebook with the
#                  new outputs (mode=rewrite); one parser for both
#   normalise.awk  normalisation: the rules that make a re-run change nothing (times, speeds,
#                  memory, the repository's path, carriage returns, trailing blanks)
#   compare.awk    drift: a stored .out against this run's, word by word, numbers within
#                  RTOL and ATOL
#   where.awk      "cell C (line L)" of command N, for messages
AWK_DIR=$ROOT/notebooks-md/awk

# ---- running one notebook -----------------------------------------------------------------

# The helpers the generated script starts with (it is run by bash, from the repository root).
SCRIPT_HELPERS='
__nb_us() { if [ -n "${EPOCHREALTIME:-}" ]; then __nb_t=${EPOCHREALTIME/[.,]/}; else __nb_t=$((SECONDS * 1000000)); fi; }
__nb_fmt() {
    local ds=$(($1 / 100000))
    if ((ds < 600)); then printf "%d.%d s" $((ds / 10)) $((ds % 10))
    elif ((ds < 36000)); then printf "%dm%02ds" $((ds / 600)) $((ds / 10 % 60))
    else printf "%dh%02dm" $((ds / 36000)) $((ds / 600 % 60)); fi
}
__nb_begin() {
    local text
    IFS= read -r text <"$__nb_w/cmd.$1"
    text=${text%\\}
    ((${#text} > 80)) && text="${text:0:77}..."
    printf "  [%d/%d] cell %d: %s " "$1" "$__nb_n" "$2" "$text" >&2
    __nb_us
    __nb_start=$__nb_t
}
__nb_end() {
    __nb_us
    local dt=$((__nb_t - __nb_start))
    printf "%s\n" "$2" >"$__nb_w/status.$1"
    if [ "$2" -eq 0 ]; then printf "... %s\n" "$(__nb_fmt $dt)" >&2
    else printf "... FAILED (exit status %s) after %s\n" "$2" "$(__nb_fmt $dt)" >&2; fi
    return "$2"
}
'

commands() { if [ "$1" = 1 ]; then echo "1 command"; else echo "$1 commands"; fi; }

fmt_seconds() { # whole seconds -> "12 s", "4m05s", "1h02m"
    local s=$1
    if ((s < 60)); then printf '%d s' "$s"
    elif ((s < 3600)); then printf '%dm%02ds' $((s / 60)) $((s % 60))
    else printf '%dh%02dm' $((s / 3600)) $((s / 60 % 60)); fi
}

# run_notebook MODE FILE: 0 ok, 1 a command failed or an output drifted, 2 a bad notebook.
run_notebook() {
    local mode=$1 nb=$2 kind=quick
    [ "$mode" = full ] && kind=full
    if [ ! -f "$nb" ]; then
        printf 'run.sh: %s: no such notebook (expected a file NN-name.md)\n' "$nb" >&2
        return 2
    fi
    local base name dir
    base=$(basename "$nb")
    name=${base%.md}
    dir=$(dirname "$nb")
    if ! [[ $base =~ ^[0-9][0-9]-[A-Za-z0-9._-]+\.md$ ]]; then
        printf 'run.sh: %s: a notebook is named NN-name.md (two digits, a dash, letters, digits, . _ -)\n' "$nb" >&2
        return 2
    fi
    local expected="$dir/quick/$name.out"
    local W="${PREFIX}build/notebooks-work/$kind/$name" runs fig
    if [ "$kind" = full ]; then
        runs="${PREFIX}runs/notebooks/$name"
        fig="${PREFIX}notebooks-md/figures"
    else
        rm -rf "${PREFIX}build/notebooks-quick/$name"
        runs="${PREFIX}build/notebooks-quick/$name/runs"
        fig="${PREFIX}build/notebooks-quick/$name/figures"
    fi
    rm -rf "$W"
    mkdir -p "$W" "$runs" "$fig" || return 1
    local sum_before
    sum_before=$(cksum <"$nb")

    awk -v mode=plan -v kind="$kind" -v W="$W" -v nb="$nb" -f "$AWK_DIR/parse.awk" "$nb" || return 2
    if [ "$mode" = quick-check ] && [ ! -f "$expected" ]; then
        printf 'run.sh: %s: no stored quick outputs at %s; make them with: notebooks-md/run.sh quick-update %s\n' \
            "$nb" "$expected" "$nb" >&2
        return 1
    fi
    local msg
    if ! msg=$(bash -n -c "$(cat "$W/vars")" 2>&1); then
        printf 'run.sh: %s: its <!-- %s: ... --> line is not valid bash: %s\n' "$nb" "$kind" "${msg##*: }" >&2
        return 2
    fi
    local n
    n=$(wc -l <"$W/index")
    n=$((n + 0))
    {
        printf '# generated by notebooks-md/run.sh from %s (%s mode)\n' "$nb" "$kind"
        printf 'set -o pipefail\ncd %q || exit 125\n' "$ROOT"
        printf 'export PATH=%q:"$PATH" LC_ALL=C NOTEBOOK_MODE=%q RUNS=%q FIG=%q\n' "$ROOT/bin" "$kind" "$runs" "$fig"
        printf '__nb_w=%q\n__nb_n=%d\n' "$W" "$n"
        printf '%s\n' "$SCRIPT_HELPERS"
        printf '# the notebook'\''s <!-- %s: --> line\nset -a\n%s\nset +a\n: >"$__nb_w/vars-ok"\n' "$kind" "$(cat "$W/vars")"
        cat "$W/body"
        printf ': >"$__nb_w/done"\n'
    } >"$W/script.sh"

    printf 'notebook %s (%s): %s\n' "$nb" "$kind" "$(commands "$n")" >&2
    local t0=$SECONDS rc
    bash "$W/script.sh"
    rc=$?
    # Complete only if every step left its mark: bash skips a command with a syntax error
    # and may go on.
    local i complete=1
    [ -f "$W/vars-ok" ] && [ -f "$W/done" ] || complete=0
    for ((i = 1; i <= n; i++)); do
        [ "$(cat "$W/status.$i" 2>/dev/null)" = 0 ] || complete=0
    done
    if [ $complete = 0 ]; then
        report_failure "$nb" "$W" "$n" "$rc" "$kind"
        return 1
    fi

    # Normalise every output; none may look like a command or a fence.
    local bad
    for ((i = 1; i <= n; i++)); do
        awk -v root="$ROOT" -v root2="$ROOT_LOGICAL" -f "$AWK_DIR/normalise.awk" "$W/out.$i" >"$W/norm.$i" || return 1
        bad=$(grep -n -m1 -e '^\$ ' -e '^```' "$W/norm.$i")
        if [ -n "$bad" ]; then
            local where
            where=$(awk -F'\t' -v i="$i" -f "$AWK_DIR/where.awk" "$W/index")
            printf 'run.sh: %s: %s, command %d: output line %s starts with "$ " or "```", which mark commands and fences in a notebook; indent it (| sed '\''s/^/  /'\'')\n' \
                "$nb" "$where" "$i" "${bad%%:*}" >&2
            return 2
        fi
    done

    # This run's outputs as a .out: every command, then its output.
    {
        printf '# Quick-mode outputs of %s, written by notebooks-md/run.sh quick-update.\n' "$base"
        printf '# notebooks-md/run.sh quick-check compares a new quick run with them (numbers within a tolerance).\n'
        for ((i = 1; i <= n; i++)); do
            printf '$ '
            cat "$W/cmd.$i"
            cat "$W/norm.$i"
        done
    } >"$W/actual.out"

    local took
    took=$(fmt_seconds $((SECONDS - t0)))
    case $mode in
    full)
        awk -v mode=rewrite -v W="$W" -v nb="$nb" -f "$AWK_DIR/parse.awk" "$nb" >"$W/rewritten.md" || return 2
        if [ "$(cksum <"$nb")" != "$sum_before" ]; then
            printf 'run.sh: %s changed while it ran; not overwritten. The new version is %s\n' "$nb" "$W/rewritten.md" >&2
            return 1
        fi
        if cmp -s "$W/rewritten.md" "$nb"; then
            printf 'notebook %s: %s in %s; outputs unchanged\n' "$nb" "$(commands "$n")" "$took" >&2
        else
            local tmp="$dir/.$base.$$.tmp"
            cp "$W/rewritten.md" "$tmp" && mv -f "$tmp" "$nb" || { rm -f "$tmp"; return 1; }
            printf 'notebook %s: %s in %s; outputs rewritten\n' "$nb" "$(commands "$n")" "$took" >&2
        fi
        ;;
    quick-update)
        mkdir -p "$dir/quick" || return 1
        local tmp="$dir/quick/.$name.out.$$.tmp"
        cp "$W/actual.out" "$tmp" && mv -f "$tmp" "$expected" || { rm -f "$tmp"; return 1; }
        printf 'notebook %s: %s in %s; wrote %s\n' "$nb" "$(commands "$n")" "$took" "$expected" >&2
        ;;
    quick-check)
        if ! awk -v expected="$expected" -v actual="$W/actual.out" -v nb="$nb" -v rtol="$RTOL" -v atol="$ATOL" \
            -f "$AWK_DIR/compare.awk" </dev/null >&2; then
            printf 'notebook %s: FAILED: outputs drifted (this run'\''s are in %s)\n' "$nb" "$W/actual.out" >&2
            return 1
        fi
        printf 'notebook %s: %s in %s; outputs match %s\n' "$nb" "$(commands "$n")" "$took" "$expected" >&2
        ;;
    esac
    return 0
}

# Which command stopped the notebook, and its output.
report_failure() {
    local nb=$1 W=$2 n=$3 rc=$4 kind=$5 i status=""
    if [ ! -f "$W/vars-ok" ]; then
        printf 'run.sh: %s: its <!-- %s: ... --> line failed in bash (see above): %s\n' "$nb" "$kind" "$(cat "$W/vars")" >&2
        return
    fi
    for ((i = 1; i <= n; i++)); do
        [ -f "$W/status.$i" ] || break
        status=$(cat "$W/status.$i")
        [ "$status" = 0 ] || break
    done
    if ((i > n)); then
        printf 'run.sh: %s: the shell stopped after the last command (exit status %d; an error shown above?)\n' "$nb" "$rc" >&2
        return
    fi
    local where why
    where=$(awk -F'\t' -v i="$i" -f "$AWK_DIR/where.awk" "$W/index")
    if [ -f "$W/status.$i" ]; then
        why="failed with exit status $status"
    else
        why="did not run to its end (the shell's exit status is $rc: an exit in the command, or a bash syntax error shown above)"
    fi
    printf '\nrun.sh: %s: %s, command %d of %d %s:\n' "$nb" "$where" "$i" "$n" "$why" >&2
    sed '1s/^/  $ /; 2,$s/^/    /' "$W/cmd.$i" >&2
    if [ -s "$W/out.$i" ]; then
        local lines
        lines=$(wc -l <"$W/out.$i")
        if ((lines > 40)); then
            printf -- '--- its output, last 40 of %d lines (all of it: %s) ---\n' "$lines" "$W/out.$i" >&2
        else
            printf -- '--- its output ---\n' >&2
        fi
        tail -n 40 "$W/out.$i" | tr '\r' '\n' | tail -n 40 >&2
        printf -- '---\n' >&2
    else
        printf '  (no output)\n' >&2
    fi
}

# ---- main ---------------------------------------------------------------------------------------

[ $# -ge 1 ] || die_usage "say what to do"
case $1 in
full | quick-update | quick-check) mode=$1 ;;
-h | --help | help)
    sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*) die_usage "unknown mode '$1' (expected full, quick-update or quick-check)" ;;
esac
shift
[ $# -ge 1 ] || die_usage "no notebook given"

failed=()
worst=0
for nb in "$@"; do
    # Paths are given from where run.sh was started; it works from the repository root.
    case $nb in /*) ;; *) nb="$CALLER_PWD/$nb" ;; esac
    case $nb in "$ROOT"/*) nb=${nb#"$ROOT"/} ;; "$ROOT_LOGICAL"/*) nb=${nb#"$ROOT_LOGICAL"/} ;; esac
    run_notebook "$mode" "$nb"
    rc=$?
    if [ $rc -ne 0 ]; then
        failed+=("$nb")
        ((rc > worst)) && worst=$rc
        [ "$mode" = full ] && break
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    printf '\nrun.sh %s: FAILED: %s\n' "$mode" "${failed[*]}" >&2
    exit "$worst"
fi
[ $# -gt 1 ] && printf '\nrun.sh %s: all %d notebooks passed\n' "$mode" $# >&2
exit 0
