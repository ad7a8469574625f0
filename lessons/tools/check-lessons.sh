#!/bin/sh
# check-lessons.sh — what the lessons say must be true:
#   - every path `src/...(.c|.h)` a lesson names exists;
#   - every function a lesson names exists in src/: names written `like_this()` in
#     backquotes, and every word ending in _forward, _backward or _ref;
#   - every command a lesson shows runs: lines starting with "$ " inside ```sh
#     blocks, run in order from the top of a scratch copy of the repository
#     (so exercises/ and runs/ here are left alone). A command ending in
#     "# (long)" is not run; one ending in "# (fails)" must exit non-zero
#     (a stub being graded, an error being shown); any other must exit 0.
# Usage: sh lessons/tools/check-lessons.sh [NN...]   (default: every lesson)
set -u
# One OpenMP thread: the commands' output does not depend on it, and on a busy
# machine idle threads waiting for each other can make tiny runs very slow.
OMP_NUM_THREADS=1
export OMP_NUM_THREADS
T=lessons/tools
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/repo"
tar cf - --exclude=./.git --exclude=./exercises --exclude=./runs . | (cd "$tmp/repo" && tar xpf -)
lessons=${*:-$(awk -F'|' '!/^#/ { print $1 }' $T/lessons.txt)}
bad=0
for N in $lessons; do
    dir=$(awk -F'|' -v n="$N" '$1 == n { print $2 }' $T/lessons.txt)
    md=lessons/$dir/README.md
    if [ ! -f "$md" ]; then
        echo "lesson $N: FAIL: $md is missing"; bad=$((bad + 1)); continue
    fi
    problems=""
    for f in $(grep -o 'src/[A-Za-z0-9_/.-]*\.[ch]\b' "$md" | sort -u); do
        [ -f "$f" ] || problems="$problems\n    names $f, which does not exist"
    done
    nf=$(grep -o 'src/[A-Za-z0-9_/.-]*\.[ch]\b' "$md" | sort -u | wc -l)
    fns=$( { grep -o '`[A-Za-z_][A-Za-z0-9_]*()`' "$md" | tr -d '`()'
             grep -o '\b[a-z][a-z0-9_]*_\(forward\|backward\|ref\)\b' "$md"; } | sort -u)
    for fn in $fns; do
        grep -rqw "$fn" src || problems="$problems\n    names $fn(), which is not in src/"
    done
    nfn=$(echo "$fns" | sed '/^$/d' | wc -l)
    awk '/^[ \t]*```sh/ { inb = 1; next } /^[ \t]*```/ { inb = 0 } inb && /^[ \t]*\$ / { sub(/^[ \t]*\$ /, ""); print }' "$md" >"$tmp/cmds"
    ncmd=0
    rm -rf "$tmp/repo/exercises" # each lesson starts without exercise copies, as a learner might
    while IFS= read -r cmd; do
        case $cmd in *"# (long)") continue ;; esac
        ncmd=$((ncmd + 1))
        expect=0
        case $cmd in *"# (fails)") expect=1 ;; esac
        (cd "$tmp/repo" && sh -c "$cmd" </dev/null >"$tmp/out" 2>&1)
        rc=$?
        if [ "$expect" -eq 0 ] && [ "$rc" -ne 0 ]; then
            problems="$problems\n    \$ $cmd\n      exited with $rc:\n$(tail -5 "$tmp/out" | sed 's/^/        /')"
        elif [ "$expect" -eq 1 ] && [ "$rc" -eq 0 ]; then
            problems="$problems\n    \$ $cmd\n      is marked (fails) but succeeded"
        fi
    done <"$tmp/cmds"
    if [ -n "$problems" ]; then
        printf 'lesson %s: FAIL%b\n' "$N" "$problems"; bad=$((bad + 1))
    else
        echo "lesson $N: ok ($nf files, $nfn functions, $ncmd commands)"
    fi
done
cd "$top"
if [ "$bad" -ne 0 ]; then
    echo "check-lessons: $bad lesson(s) FAIL"
    exit 1
fi
echo "check-lessons: every file, function and command the lessons name exists and runs."
