# normalise.awk — the rules of notebooks-md/run.sh that make a re-run change nothing: applied to
# every captured output, in every mode. POSIX awk (run under mawk, gawk --posix, BWK awk and
# busybox awk).
#
#   awk -v root=/abs/repo -v root2=/logical/repo -f normalise.awk OUTPUT >NORMALISED
#
# Line by line, in this order:
#   1. a carriage return redraws the line: keep only what was drawn last (progress lines);
#      terminal colour/cursor escapes are dropped;
#   2. the repository's absolute path (root, and root2 when it differs: the path with symbolic
#      links) becomes "." (runs on another machine or checkout agree);
#   3. times and speeds become PH ("~"), keeping their unit; blanks before them shrink to one
#      space, since padding depends on the number's width:
#        compound durations  15m55s  1h02m  0m2.345s      -> ~
#        clock times         1:23  0:01:23  12:34.5        -> ~
#        speeds              12,345 tokens/s  6821 tok/s  59.2 GFLOP/s  3.1 it/s  12 MB/s
#        resident memory     53.0 MiB  (only on lines that say resident, memory or RSS)
#        durations           12.3 s  12.3s  45 ms  7 us  2 min  3 seconds
#      A number glued to a word on either side (v12s, 3steps) is left alone;
#   4. trailing blanks, and blank lines at the end of the output, are dropped.
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
}
