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
# Outputs are normalised in every mode (see "normalisation" below) so that a re-run changes nothing
# but what really changed. quick-check compares outputs word by word: words must be equal,
# numbers within a tolerance (see RTOL below).
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

# ---- the notebook grammar (one parser for planning and for rewriting) --------------------
#
# mode=plan:    writes, into the work directory W, cmd.N (command N's text without "$ "),
#               index (N, cell, line, nocheck), body (the bash that runs every command),
#               vars (the settings line of `kind`).
# mode=rewrite: prints the notebook with each command's output replaced by W/norm.N.
# A malformed notebook: one line "FILE:LINE: what is wrong" on stderr, exit 2.
PARSE_AWK='
function fail(msg, at) {
    printf "%s:%d: %s\n", nb, at ? at : NR, msg > "/dev/stderr"
    failed = 1
    exit 2
}
function emit(s) { if (mode == "rewrite") print s }
function is_close(s) { return s ~ /^```+[ \t]*$/ && match(s, /^`+/) && RLENGTH >= flen }
function ends_cont(s) { return s ~ /\\$/ }
function end_cmd(   f, l, nocheck) {
    state = "out"
    if (mode == "rewrite") {
        f = W "/norm." n
        while ((getline l < f) > 0) print l
        close(f)
        return
    }
    f = W "/cmd." n
    printf "%s\n", cmd > f
    close(f)
    nocheck = lastline ~ /#[ \t]*nocheck[ \t]*$/
    printf "%d\t%d\t%d\t%d\n", n, ncell, cmd_at, nocheck > (W "/index")
    printf "__nb_begin %d %d\n{\n%s\n} >\"$__nb_w/out.%d\" 2>&1 </dev/null\n__nb_end %d $? || exit\n", n, ncell, cmd, n, n > (W "/body")
}
BEGIN { state = "text"; n = 0; ncell = 0; flen = 3 }
{
    line = $0
    if (state == "text") {
        if (line ~ /^```/) {
            match(line, /^`+/)
            flen = RLENGTH
            info = substr(line, flen + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", info)
            if (info == "console") { state = "pre"; ncell++; cell_at = NR }
            else state = "fence"
        } else if (line ~ /^<!--[ \t]*(full|quick)[ \t]*:.*-->[ \t]*$/) {
            k = line
            sub(/^<!--[ \t]*/, "", k)
            v = k
            sub(/[ \t]*:.*/, "", k)
            sub(/^[a-z]+[ \t]*:[ \t]*/, "", v)
            sub(/[ \t]*-->[ \t]*$/, "", v)
            if (k in vars) fail("a second <!-- " k ": ... --> line (the first is on line " vars_at[k] ")")
            if (ncell) fail("the <!-- " k ": ... --> line must come before the first console cell")
            vars[k] = v
            vars_at[k] = NR
        }
        emit(line)
        next
    }
    if (state == "fence") {
        if (is_close(line)) state = "text"
        emit(line)
        next
    }
    # inside a console cell
    if (state == "cont") {
        if (is_close(line)) fail("the command on line " cmd_at " ends with a backslash, but the cell closes here")
        cmd = cmd "\n" line
        lastline = line
        emit(line)
        if (!ends_cont(line)) end_cmd()
        else state = "cont"
        next
    }
    if (is_close(line)) {
        state = "text"
        emit(line)
        next
    }
    if (substr(line, 1, 2) == "$ ") {
        n++
        cmd = substr(line, 3)
        lastline = line
        cmd_at = NR
        if (cmd ~ /^[ \t\\]*$/) fail("an empty command")
        emit(line)
        if (ends_cont(line)) state = "cont"
        else end_cmd()
        next
    }
    if (state == "pre") fail("a console cell must start with a \"$ \" command line; this line comes before any")
    # an output line of the current command: replaced (rewrite) or ignored (plan)
}
END {
    if (failed) exit 2
    if (state == "cont") fail("the command on line " cmd_at " ends with a backslash at the end of the file", NR)
    if (state != "text") fail((state == "fence" ? "a fenced block" : "the console cell opened on line " cell_at) " is never closed", NR)
    if (n && !("full" in vars)) fail("no <!-- full: VAR=value ... --> line before the first cell (it may be empty: <!-- full: -->)", 1)
    if (n && !("quick" in vars)) fail("no <!-- quick: VAR=value ... --> line before the first cell (it may be empty: <!-- quick: -->)", 1)
    if (mode == "plan") {
        v = (kind in vars) ? vars[kind] : ""
        printf "%s\n", v > (W "/vars")
        printf "" > (W "/index")
        printf "" > (W "/body")
    }
}'

# ---- normalisation: the rules that make a re-run change nothing ---------------------------
#
# Applied to every captured output, in every mode, line by line, in this order:
#   1. a carriage return redraws the line: keep only what was drawn last (progress lines);
#      terminal colour/cursor escapes are dropped;
#   2. the repository's absolute path becomes "." (runs on another machine or checkout agree);
#   3. times and speeds become PH ("~"), keeping their unit; blanks before them shrink to one
#      space, since padding depends on the number's width:
#        compound durations  15m55s  1h02m  0m2.345s      -> ~
#        clock times         1:23  0:01:23  12:34.5        -> ~
#        speeds              12,345 tokens/s  6821 tok/s  59.2 GFLOP/s  3.1 it/s  12 MB/s
#        resident memory     53.0 MiB  (only on lines that say resident, memory or RSS)
#        durations           12.3 s  12.3s  45 ms  7 us  2 min  3 seconds
#      A number glued to a word on either side (v12s, 3steps) is left alone;
#   4. trailing blanks, and blank lines at the end of the output, are dropped.
NORM_AWK='
function replace_all(s, from, to,   out, i) {
    if (from == "") return s
    out = ""
    while ((i = index(s, from)) > 0) {
        out = out substr(s, 1, i - 1) to
        s = substr(s, i + length(from))
    }
    return out s
}
# Replaces the matches of re that stand alone (no letter, digit, "_" or "." just before; no
# letter, digit or "_" just after): all of the match (whole = 1) or its leading number.
function timing(s, re, whole,   out, pre, m, before, after, rest) {
    out = ""
    while (match(s, re)) {
        pre = out substr(s, 1, RSTART - 1)
        m = substr(s, RSTART, RLENGTH)
        rest = substr(s, RSTART + RLENGTH)
        before = substr(pre, length(pre), 1)
        after = substr(rest, 1, 1)
        if (before ~ /[A-Za-z0-9_.]/ || after ~ /[A-Za-z0-9_]/) {
            out = pre substr(m, 1, 1)
            s = substr(m, 2) rest
            continue
        }
        if (pre ~ /[^ \t][ \t][ \t]+$/) sub(/[ \t]+$/, " ", pre)
        if (whole) out = pre PH
        else {
            match(m, "^" NUM)
            out = pre PH substr(m, RLENGTH + 1)
        }
        s = rest
    }
    return out s
}
BEGIN {
    PH = "~"
    NUM = "[0-9]+(,[0-9][0-9][0-9])*(\\.[0-9]+)?"
    COMPOUND = "[0-9]+h[0-9]+m([0-9]+s)?|[0-9]+h[0-9]+s|[0-9]+m[0-9]+(\\.[0-9]+)?s"
    CLOCK = "[0-9]+:[0-9][0-9](:[0-9][0-9])?(\\.[0-9]+)?"
    SPEED = NUM " ?(tokens/s|token/s|tok/s|it/s|iters/s|steps/s|samples/s|[kMGTP]?FLOP/s|[kMGTP]?FLOPS|[KMGT]i?B/s|B/s)"
    MEMORY = NUM " ?([KMGT]iB|[KMGT]B)"
    DURATION = NUM " ?(ns|us|\302\265s|ms|s|sec|secs|seconds|min|mins|minutes)"
    ESC = sprintf("%c", 27)
    blank = 0
}
{
    s = $0
    sub(/\r+$/, "", s)
    k = split(s, parts, "\r")
    if (k > 1) s = parts[k]
    gsub(ESC "\\[[0-9;?]*[A-Za-z]", "", s)
    if (root != "") s = replace_all(s, root, ".")
    if (root2 != "" && root2 != root) s = replace_all(s, root2, ".")
    s = timing(s, COMPOUND, 1)
    s = timing(s, CLOCK, 1)
    s = timing(s, SPEED, 0)
    if (s ~ /resident|memory|RSS/) s = timing(s, MEMORY, 0)
    s = timing(s, DURATION, 0)
    sub(/[ \t]+$/, "", s)
    if (s == "") { blank++; next }
    for (; blank > 0; blank--) print ""
    print s
}'

# ---- drift: compare a stored .out with this run's ----------------------------------------
#
# Both files: optional "#" header lines, then per command "$ " + its text (continued while a
# line ends with a backslash) and its output lines. Outputs are compared line by line, and
# within a line word by word (split at blanks). A word is cut into numbers and the text around
# them: the text must be equal, each number within the tolerance. A number glued to a letter,
# "_", digit or "." before it (lambda_0, f32, t1) is text. At most 3 differing lines are shown
# per command.
COMPARE_AWK='
function load(file, p,   line, c, st) {
    c = 0
    st = "head"
    while ((getline line < file) > 0) {
        if (st == "head" && line ~ /^#/) continue
        if (st == "cont") {
            cmd[p, c] = cmd[p, c] "\n" line
            last[p, c] = line
            if (line !~ /\\$/) st = "out"
            continue
        }
        if (substr(line, 1, 2) == "$ ") {
            c++
            cmd[p, c] = line
            last[p, c] = line
            nl[p, c] = 0
            st = line ~ /\\$/ ? "cont" : "out"
            continue
        }
        if (st == "head") continue
        nl[p, c]++
        txt[p, c, nl[p, c]] = line
    }
    close(file)
    return c
}
function abs(x) { return x < 0 ? -x : x }
# The word w with its numbers replaced by \001; their values into num[1..] (count in nnum).
function skeleton(w, num,   out, m, pre, c) {
    nnum = 0
    out = ""
    while (match(w, /-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|-?\.[0-9]+([eE][-+]?[0-9]+)?/)) {
        pre = out substr(w, 1, RSTART - 1)
        m = substr(w, RSTART, RLENGTH)
        w = substr(w, RSTART + RLENGTH)
        c = substr(pre, length(pre), 1)
        if (c ~ /[A-Za-z_0-9.]/) { out = pre m; continue }
        out = pre "\001"
        num[++nnum] = m
    }
    return out w
}
# "" when words a (stored) and b (now) match, else why not.
function word_diff(a, b,   sa, sb, na, nb, i, x, y) {
    if (a == b) return ""
    sa = skeleton(a, numa); na = nnum
    sb = skeleton(b, numb); nb = nnum
    if (sa != sb || na != nb) return "\"" a "\" became \"" b "\""
    for (i = 1; i <= na; i++) {
        x = numa[i] + 0; y = numb[i] + 0
        if (abs(x - y) > rtol * (abs(x) > abs(y) ? abs(x) : abs(y)) + atol)
            return numa[i] " became " numb[i] ": more than " rtol " relative (+ " atol ")"
    }
    return ""
}
function line_diff(a, b,   wa, wb, na, nb, i, r) {
    if (a == b) return ""
    na = split(a, wa)
    nb = split(b, wb)
    for (i = 1; i <= na && i <= nb; i++)
        if ((r = word_diff(wa[i], wb[i])) != "") return "word " i ": " r
    if (na != nb) return na " words became " nb
    return ""
}
function show(s) { gsub(/\n/, "\n      ", s); return s }
END {
    ne = load(expected, "e")
    na = load(actual, "a")
    bad = 0
    for (c = 1; c <= ne || c <= na; c++) {
        if (c > ne || c > na || cmd["e", c] != cmd["a", c]) {
            printf "%s: the commands differ from %s at command %d:\n", nb, expected, c
            se = (c > ne) ? "(none)" : show(cmd["e", c])
            sa = (c > na) ? "(none)" : show(cmd["a", c])
            printf "    stored: %s\n    now:    %s\n", se, sa
            printf "  the notebook changed since its quick outputs were stored: run notebooks-md/run.sh quick-update %s\n", nb
            exit 1
        }
        if (last["a", c] ~ /#[ \t]*nocheck[ \t]*$/) continue
        shown = 0
        for (i = 1; i <= nl["e", c] || i <= nl["a", c]; i++) {
            a = i <= nl["e", c] ? txt["e", c, i] : "(no line)"
            b = i <= nl["a", c] ? txt["a", c, i] : "(no line)"
            if (i > nl["e", c] || i > nl["a", c]) r = "a line " (i > nl["e", c] ? "more" : "less") " than stored"
            else r = line_diff(a, b)
            if (r == "") continue
            if (!shown) printf "%s: command %d drifted from %s:\n  %s\n", nb, c, expected, show(cmd["a", c])
            bad = 1
            if (++shown > 3) continue
            printf "  output line %d: %s\n    stored: %s\n    now:    %s\n", i, r, a, b
        }
        if (shown > 3) printf "  (%d more differing lines)\n", shown - 3
        if (shown && nl["e", c] != nl["a", c]) printf "  (%d lines stored, %d now)\n", nl["e", c], nl["a", c]
    }
    exit bad
}'

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

    awk -v mode=plan -v kind="$kind" -v W="$W" -v nb="$nb" "$PARSE_AWK" "$nb" || return 2
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
        awk -v root="$ROOT" -v root2="$ROOT_LOGICAL" "$NORM_AWK" "$W/out.$i" >"$W/norm.$i" || return 1
        bad=$(grep -n -m1 -e '^\$ ' -e '^```' "$W/norm.$i")
        if [ -n "$bad" ]; then
            local where
            where=$(awk -F'\t' -v i="$i" '$1 == i { print "cell " $2 " (line " $3 ")" }' "$W/index")
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
        awk -v mode=rewrite -v W="$W" -v nb="$nb" "$PARSE_AWK" "$nb" >"$W/rewritten.md" || return 2
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
            "$COMPARE_AWK" </dev/null >&2; then
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
    where=$(awk -F'\t' -v i="$i" '$1 == i { print "cell " $2 " (line " $3 ")" }' "$W/index")
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
