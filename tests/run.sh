#!/bin/sh
# Run every test binary given, keep going after a failure, and exit non-zero
# if any failed. cmocka prints its own PASSED/FAILED summary for each binary.
failed=""
n=0
for t in "$@"; do
    n=$((n + 1))
    echo "== $t"
    if ! "$t"; then
        failed="$failed $t"
    fi
done
echo
if [ -n "$failed" ]; then
    echo "FAILED test binaries:$failed"
    exit 1
fi
echo "All $n test binaries passed."
