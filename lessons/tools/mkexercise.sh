#!/bin/sh
# mkexercise.sh NN DEST — write the exercise copy of lesson NN to DEST:
# DEST/src is a copy of src/ in which the lesson's marked functions (see
# lessons/tools/stub.awk) are stubs, and DEST/README.md says what to do.
# Run from the top of the repository. Never overwrites an existing DEST.
set -eu
N=$1
DEST=$2
T=lessons/tools
DIR=$(awk -F'|' -v n="$N" '$1 == n { print $2 }' $T/lessons.txt)
if [ -z "$DIR" ]; then
    echo "There is no lesson $N (lessons are 00 to 15, written with two digits: N=05)." >&2
    exit 2
fi
WANT=$(awk -F'|' -v n="$N" '$1 == n { print $2 }' $T/exercises.txt)
if [ -z "$WANT" ]; then
    echo "Lesson $N ($DIR) has no graded exercise; its exercises are in lessons/$DIR/README.md." >&2
    exit 2
fi
if [ -e "$DEST" ]; then
    echo "$DEST already exists: your work there is kept. To start lesson $N's exercise again: rm -rf $DEST" >&2
    exit 2
fi
mkdir -p "$DEST"
cp -R src "$DEST/src"
find "$DEST/src" -name '*.d' -o -name '*.o' | xargs rm -f
LOG="$DEST/.stubbed"
: >"$LOG"
FILES=""
# KEEP=1 (check-exercises): the same copy with the real code left in the
# stubs' places, to show the routing itself trains as well as src/ does.
for f in $(grep -rl "EXERCISE BEGIN $N " src --include='*.c' | LC_ALL=C sort); do
    [ "${KEEP:-0}" = 1 ] && { FILES="$FILES $f"; continue; }
    awk -v L="$N" -v DIR="$DIR" -v HDR="${f%.c}.h" -v TABLE=$T/exercises.txt -v LOG="$LOG" \
        -f $T/stub.awk "$f" >"$DEST/$f"
    FILES="$FILES $f"
done
# the fast twins of the stubbed functions call the learner's code instead
for f in $(grep -rl "// TWIN BEGIN $N " src --include='*.c' | LC_ALL=C sort); do
    awk -v L="$N" -f $T/twin.awk "$f" >"$DEST/$f"
done
# every marker of other lessons goes too, leaving their code in place
for f in $(grep -rl "// TWIN \(BEGIN\|END\)" "$DEST/src" --include='*.c'); do
    awk -v L=none -f $T/twin.awk "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
for f in $(grep -rl "// EXERCISE \(BEGIN\|END\)" "$DEST/src" --include='*.c'); do
    grep -v "^[ \t]*// EXERCISE \(BEGIN\|END\)" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
for w in $WANT; do
    [ "${KEEP:-0}" = 1 ] && break
    grep -qx "$w" "$LOG" || { echo "mkexercise: no '// EXERCISE BEGIN $N $w' marker in src/" >&2; exit 1; }
done
{
    echo "# Exercise $N — lessons/$DIR"
    echo
    echo "Write the stubbed code in:"
    echo
    for f in $FILES; do
        echo "- \`$DEST/$f\`: $(grep -o "EXERCISE $N ([a-z_0-9]*)" "$DEST/$f" | sed 's/.*(\(.*\))/\1/' | tr '\n' ' ')"
    done
    echo
    echo "Each stub keeps the signature, says what the shapes are and has a TODO."
    echo "Then, from the top of the repository:"
    echo
    echo "    make grade N=$N"
    echo
    echo "It builds this copy and runs the gradient checks and tests of lesson $N,"
    echo "printing PASS or FAIL for every function. The derivation you need is in"
    echo "lessons/$DIR/README.md. To start again: rm -rf $DEST && make exercise N=$N"
} >"$DEST/README.md"
echo "$FILES" | tr ' ' '\n' | sed '/^$/d' >"$DEST/.files"
