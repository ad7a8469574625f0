#!/bin/sh
# grade.sh MODE N GRADE64 GRADE32 TESTDIR64 TESTDIR32
#   MODE lesson: the checks and tests of lesson N, on the library in src/
#   MODE grade:  one line per function of exercise N, on the learner's copy
# GRADE64/32 are lessons/tools/grade.c built in double and float; TESTDIR64/32
# hold the cmocka test binaries built against the same library.
# Prints PASS/FAIL in words and exits non-zero if anything fails.
set -u
MODE=$1 N=$2 G64=$3 G32=$4 TD64=$5 TD32=$6
T=lessons/tools
row=$(awk -F'|' -v n="$N" '$1 == n' $T/lessons.txt)
if [ -z "$row" ]; then
    echo "There is no lesson $N (lessons are 00 to 15, written with two digits: N=05)."
    exit 2
fi
DIR=$(echo "$row" | cut -d'|' -f2)
CHECKS=$(echo "$row" | cut -d'|' -f3)
TESTS=$(echo "$row" | cut -d'|' -f4)
# One thread: the checks are tiny, and idle OpenMP threads only slow them down.
OMP_NUM_THREADS=1
export OMP_NUM_THREADS
out=$(mktemp)
trap 'rm -f "$out" "$out".*' EXIT

if [ "$MODE" = grade ]; then
    awk -F'|' -v n="$N" '$1 == n { print $2 "|" $3 "|" $6 }' $T/exercises.txt >"$out.items"
    echo "Grading exercise $N (lessons/$DIR): your code in exercises/$N/src"
else
    for c in $CHECKS; do echo "$c|$c|"; done >"$out.items"
    echo "Lesson $N (lessons/$DIR): the code in src/"
fi
CHECKLIST=$(cut -d'|' -f2 "$out.items" | tr '\n' ' ')
fails=0 total=0
if [ -n "$CHECKLIST" ]; then
    echo "Every gradient is compared with centred differences (and every plain function with its"
    echo "formula): the worst relative error must be <= 1e-06 in double and <= 1e-01 in float."
    echo
    while IFS='|' read -r name check hint; do
        total=$((total + 1))
        # one process per check, so that a crash in one function cannot hide the others
        l64=$(sh -c '"$0" "$1"' "$G64" "$check" 2>/dev/null | grep "^$check|" | head -1)
        l32=$(sh -c '"$0" "$1"' "$G32" "$check" 2>/dev/null | grep "^$check|" | head -1)
        printf '%s\n%s\n%s\n%s\n%s\n' "$name" "$check" "$l64" "$l32" "$hint" | awk -v mode="$MODE" -v g64="$G64" '
            NR == 1 { name = $0 } NR == 2 { check = $0 }
            NR == 3 { n64 = split($0, a, "|") } NR == 4 { n32 = split($0, b, "|") } NR == 5 { hint = $0 }
            END {
                ok = (n64 >= 7 && n32 >= 7 && a[2] == "PASS" && b[2] == "PASS")
                via = (check == name) ? "" : sprintf("  (check: %s, %s values)", check, a[4])
                if (check == name) via = sprintf("  (%s values)", a[4])
                if (n64 < 7) via = (check == name) ? "" : sprintf("  (check: %s)", check)
                printf "  %-32s %s   double %-8s  float %-8s%s\n", name, ok ? "PASS" : "FAIL",
                       (n64 >= 7 ? a[3] : "crashed"), (n32 >= 7 ? b[3] : "crashed"), via
                if (ok) exit 0
                if (n64 < 7 || n32 < 7) { printf "      the check crashed; run it yourself to see the message: %s %s\n", g64, check; exit 1 }
                if (a[2] == "PASS") { y = b[6]; e = b[7]; at = b[5]; p = "float" } else { y = a[6]; e = a[7]; at = a[5]; p = "double" }
                printf "      worst (%s) at %s: yours %s, expected %s\n", p, at, y, e
                yy = y + 0; ee = e + 0
                if (y ~ /nan|inf/) msg = "yours is not a number: an uninitialised value, a division by zero or an overflow."
                else if (yy == 0 && ee != 0) msg = "yours is 0 where it should not be: is the TODO still in place, or does this value never get its term?"
                else if (ee != 0 && (yy / ee + 1) ^ 2 < 0.0025) msg = "yours has the wrong sign."
                else if (ee != 0 && yy / ee > 0) msg = sprintf("yours is %.3g times the expected value: a factor is missing or extra, or a term is.", yy / ee)
                else msg = "a term is missing or wrong."
                print "      " msg
                if (hint != "") {
                    n = split(hint, w, " "); line = "      hint:"
                    for (i = 1; i <= n; i++) {
                        if (length(line) + length(w[i]) > 96) { print line; line = "           " }
                        line = line " " w[i]
                    }
                    print line
                }
                exit 1
            }' || fails=$((fails + 1))
    done <"$out.items"
fi

tfails=0
for t in $TESTS; do
    for p in 64 32; do
        eval "dir=\$TD$p"
        bin=$dir/$t
        label="$t ($([ $p = 64 ] && echo double || echo float))"
        total=$((total + 1))
        if sh -c '"$0"' "$bin" >"$out.t" 2>&1; then
            printf '  %-32s PASS   %s\n' "tests: $label" "cmocka: $(grep -c '^\[       OK \]' "$out.t") passed"
        else
            tfails=$((tfails + 1))
            printf '  %-32s FAIL\n' "tests: $label"
            grep -E '^\[  FAILED  \] test|^ERROR:|error:|exceeds|expected' "$out.t" | grep -v 'LINE   \]' |
                head -6 | sed 's/^/      /'
        fi
    done
done

echo
fails=$((fails + tfails))
if [ "$fails" -eq 0 ]; then
    if [ "$MODE" = grade ]; then
        echo "PASS: every function of exercise $N agrees with its gradient check, and the tests pass."
        echo "Well done. Compare your code with src/ if you like, then go on with the next lesson."
        echo "Your copy's difftx runs your functions; train the baby model on them and compare its"
        echo "curve with the reference build's (a few minutes):"
        echo "    make train-exercise N=$N"
    else
        echo "PASS: lesson $N's code is correct here; its gradient checks and tests agree."
    fi
    exit 0
fi
if [ "$MODE" = grade ]; then
    echo "FAIL: $fails of $total checks do not pass yet. Read the hints above, fix the code in"
    echo "exercises/$N/src and run \`make grade N=$N\` again."
else
    echo "FAIL: $fails of $total checks do not pass. The library in src/ is broken here: run \`make test\`."
fi
exit 1
