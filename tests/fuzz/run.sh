#!/bin/sh
# Runs each libFuzzer target for SECONDS: tests/fuzz/run.sh SECONDS NAME...
# The seed corpus tests/corpus/NAME is read; new inputs go to
# build/fuzz/corpus/NAME (never into the repository), a crash to
# build/fuzz/crash-*. Prints the number of executions of each; exits non-zero
# on a finding.
set -u
secs=$1
shift
status=0
summary=""
for name in "$@"; do
    bin=build/fuzz/fuzz_$name
    work=build/fuzz/corpus/$name
    mkdir -p "$work"
    log=build/fuzz/$name.log
    dict=""
    [ -f tests/fuzz/$name.dict ] && dict="-dict=tests/fuzz/$name.dict"
    echo "== fuzz_$name for $secs s (seed corpus tests/corpus/$name)"
    # -close_fd_mask=3: the program's own messages are silenced; libFuzzer
    # keeps a copy of stderr for its reports and the sanitizers'.
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=3 \
        -print_final_stats=1 -artifact_prefix=build/fuzz/ $dict "$work" tests/corpus/$name >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log" | tail -1)
    if [ $rc -ne 0 ]; then
        status=1
        echo "fuzz_$name: FINDING (exit $rc); see $log and build/fuzz/crash-*:"
        grep -E "ERROR|runtime error|SUMMARY|bad |accepted" "$log" | head -20
        summary="$summary
  fuzz_$name: FINDING after ${runs:-? executions}"
    else
        echo "fuzz_$name: ${runs:-? executions}, no finding ($(ls "$work" | wc -l) inputs in $work)"
        summary="$summary
  fuzz_$name: ${runs:-? executions}, no finding"
    fi
done
echo "fuzz summary:$summary"
exit $status
