#!/bin/sh
# check-exercises.sh — for every lesson with a graded exercise:
#   1. the stubbed copy compiles without a warning in the stubbed files,
#   2. the grader FAILS every one of its functions (a grader that passes a stub is a bug),
#   3. the grader PASSES the real code in src/,
#   4. the copy's own difftx trains on the learner's code: with the stubs it
#      trains worse than the same copy with the real code restored (or stops),
#      and with the real code it learns as bin/difftx does.
# Run by `make check-exercises`, from the top of the repository, after `make`.
set -u
T=lessons/tools
MAKE=${MAKE:-make}
JOBS=$(nproc 2>/dev/null || echo 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B32=$($MAKE -s --no-print-directory -f Makefile -f $T/print.mk print-B32)
B64=$($MAKE -s --no-print-directory -f Makefile -f $T/print.mk print-B64)
TEXT=data/tinyshakespeare/input.txt
LNV=4.174 # ln 65: the loss of a model that has learnt nothing
# train PROG OUT: the tiny model, 100 steps on one thread; prints the last
# training loss, or "stopped" when the run did not finish (a non-finite loss);
# OUT.csv keeps its log.
train() {
    "$1" train --preset tiny --attn differential --max_iters 100 --eval_every 1000 --threads 1 --seed 7 --data "$TEXT" \
        --out "$2" --quiet >"$2.log" 2>&1 || { echo stopped; return; }
    cp "${2%.safetensors}.csv" "$2.csv"
    awk -F, 'END { printf "%.4f", $2 }' "$2.csv"
}
bad=0
for N in $(awk -F'|' '!/^#/ && NF > 1 { print $1 }' $T/exercises.txt | uniq); do
    tests=$(awk -F'|' -v n="$N" '$1 == n { print $4 }' $T/lessons.txt)
    names=$(awk -F'|' -v n="$N" '$1 == n { print $2 }' $T/exercises.txt)
    EX=$tmp/$N
    printf 'exercise %s: ' "$N"
    if ! sh $T/mkexercise.sh "$N" "$EX" >"$tmp/log.$N" 2>&1; then
        echo "FAIL: could not generate the stubs"; sed 's/^/    /' "$tmp/log.$N"; bad=$((bad + 1)); continue
    fi
    if ! $MAKE --no-print-directory -j"$JOBS" ex-build EX="$EX" N="$N" >"$tmp/build.$N" 2>&1; then
        echo "FAIL: the stubbed copy does not compile"; sed 's/^/    /' "$tmp/build.$N" | tail -20
        bad=$((bad + 1)); continue
    fi
    warn=""
    for f in $(cat "$EX/.files"); do
        grep -q "$EX/$f:.*warning" "$tmp/build.$N" && warn="$warn $f"
    done
    if [ -n "$warn" ]; then
        echo "FAIL: the stubs compile with warnings in$warn"; grep warning "$tmp/build.$N" | sed 's/^/    /'
        bad=$((bad + 1)); continue
    fi
    sh $T/grade.sh grade "$N" "$EX/bin/grade64" "$EX/bin/grade32" "$EX/bin/f64" "$EX/bin/f32" >"$tmp/stub.$N" 2>&1
    stub_rc=$?
    passed=""
    for name in $names; do
        grep -q "^  $name  *PASS" "$tmp/stub.$N" && passed="$passed $name"
    done
    sh $T/grade.sh grade "$N" "$B64/lessons/grade" "$B32/lessons/grade" "$B64/tests" "$B32/tests" >"$tmp/ref.$N" 2>&1
    ref_rc=$?
    if [ "$stub_rc" -eq 0 ] || [ -n "$passed" ]; then
        echo "FAIL: the grader passes the stub of$passed"; sed 's/^/    /' "$tmp/stub.$N"; bad=$((bad + 1))
    elif [ "$ref_rc" -ne 0 ]; then
        echo "FAIL: the grader fails the real code in src/"; sed 's/^/    /' "$tmp/ref.$N"; bad=$((bad + 1))
    else
        stub_loss=$(train "$EX/bin/difftx" "$tmp/stub$N.safetensors")
        KEEP=1 sh $T/mkexercise.sh "$N" "$tmp/keep$N" >/dev/null 2>&1 &&
            $MAKE --no-print-directory -j"$JOBS" ex-build EX="$tmp/keep$N" N="$N" >/dev/null 2>&1
        keep_loss=$(train "$tmp/keep$N/bin/difftx" "$tmp/keep$N.safetensors")
        # The runs are deterministic (one thread, one seed): any difference in
        # the last logged row (loss, lambda per layer) is the stubs at work.
        differs=stopped
        [ "$stub_loss" = stopped ] || differs=$(awk -F, 'FNR == 1 { next }
            NR == FNR { a = $0; next } { b = $0 } END {
            n = split(a, x, ","); split(b, y, ","); d = 0
            for (i = 2; i < n; i++) if (i != 4) { e = x[i] - y[i]; if (e < 0) e = -e; if (e > d) d = e }
            printf "%.2g", d }' "$tmp/stub$N.safetensors.csv" "$tmp/keep$N.safetensors.csv")
        verdict=$(awk -v k="$keep_loss" -v d="$differs" -v lnv=$LNV 'BEGIN {
            if (k == "stopped" || k + 0 > lnv - 0.5) { print "the copy with the real code does not learn"; exit }
            if (d != "stopped" && d + 0 < 1e-3) { print "the stubbed copy trains exactly as the real code: the model does not run the stubs"; exit }
            print "ok" }')
        if [ "$verdict" != ok ]; then
            echo "FAIL: $verdict (loss after 100 steps: stubs $stub_loss, real code $keep_loss)"; bad=$((bad + 1))
        else
            echo "ok (stubs of $(echo $names | tr '\n' ' ')fail; its difftx: loss $stub_loss with the stubs (last row differs by $differs), $keep_loss with the real code; src/ passes)"
        fi
        rm -rf "$tmp/keep$N"
    fi
    rm -rf "$EX"
done
if [ "$bad" -ne 0 ]; then
    echo "check-exercises: $bad exercise(s) FAIL"
    exit 1
fi
echo "check-exercises: every exercise's stubs fail the grader and change what its difftx trains; the real code passes and learns."
