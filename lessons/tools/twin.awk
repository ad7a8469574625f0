# twin.awk — route the fast twins of lesson L's exercises to the learner's code.
#
#   awk -v L=06 -f twin.awk src/layers/fast/attention_fast.c > out.c
#
# A fast kernel (src/layers/fast/) whose teaching version is an exercise
# wraps its body in
#     // TWIN BEGIN NN name -> call of the teaching function;
#     ...the optimised body...
#     // TWIN END
# For lesson L the body is replaced by the call after "->", so the exercise
# copy holds no working version of what it asks for and every kernel table
# (fast or ref) runs the learner's function. Other lessons' twins keep their
# body; every marker line is dropped.

/^[ \t]*\/\/ TWIN BEGIN / {
    if ($4 == L) {
        indent = $0
        sub(/\/\/.*/, "", indent)
        route = $0
        sub(/.*-> */, "", route)
        print indent "// " $5 " is your exercise: the fast path runs your code."
        gsub(/; +/, ";\n" indent, route)
        print indent route
        skipping = 1
    }
    next
}
/^[ \t]*\/\/ TWIN END/ { skipping = 0; next }
!skipping { print }
