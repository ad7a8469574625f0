#!/bin/sh
# check-exercises.sh — for every lesson with a graded exercise:
#   1. the stubbed copy compiles without a warning in the stubbed files,
#   2. the grader FAILS every one of its functions (a grader that passes a stub is a bug),
#   3. the grader PASSES the real code in src/.
# Run by `make check-exercises`, from the top of the repository, after `make`.
set -u
T=lessons/tools
MAKE=${MAKE:-make}
JOBS=$(nproc 2>/dev/null || echo 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B32=$($MAKE -s --no-print-directory -f Makefile -f $T/print.mk print-B32)
B64=$($MAKE -s --no-print-directory -f Makefile -f $T/print.mk print-B64)
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
        echo "ok (stubs of $(echo $names | tr '\n' ' ')fail, src/ passes)"
    fi
    rm -rf "$EX"
done
if [ "$bad" -ne 0 ]; then
    echo "check-exercises: $bad exercise(s) FAIL"
    exit 1
fi
echo "check-exercises: every exercise's stubs fail the grader and the real code passes it."
