# compare.awk — drift: compares the stored quick outputs of a notebook (a .out) with this run's,
# for `notebooks-md/run.sh quick-check`. POSIX awk (run under mawk, gawk --posix, BWK awk and
# busybox awk).
#
#   awk -v expected=STORED.out -v actual=NOW.out -v nb=FILE -v rtol=1e-2 -v atol=1e-6 \
#       -f compare.awk </dev/null
#
# Both files: optional "#" header lines, then per command "$ " + its text (continued while a
# line ends with a backslash) and its output lines. Outputs are compared line by line, and
# within a line word by word (split at blanks). A word is cut into numbers and the text around
# them: the text must be equal, each number within the tolerance: numbers a (stored) and b (now)
# match when |a - b| <= rtol * max(|a|, |b|) + atol. A number glued to a letter, "_", digit or
# "." before it (lambda_0, f32, t1) is text. At most 3 differing lines are shown per command.
# The report goes to stdout; exit status 0 when everything matches, 1 when not.
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
}
