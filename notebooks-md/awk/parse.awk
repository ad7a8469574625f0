# parse.awk — the notebook grammar of notebooks-md/run.sh: one parser for planning a run and for
# rewriting a notebook with the outputs of that run. POSIX awk (run under mawk, gawk --posix,
# BWK awk and busybox awk).
#
#   awk -v mode=plan -v kind=full|quick -v W=DIR -v nb=FILE -f parse.awk FILE
#   awk -v mode=rewrite -v W=DIR -v nb=FILE -f parse.awk FILE >NEW.md
#
# mode=plan:    writes, into the work directory W, cmd.N (command N's text without "$ "),
#               index (N, cell, line, nocheck), body (the bash that runs every command),
#               vars (the settings line of `kind`).
# mode=rewrite: prints the notebook with each command's output replaced by W/norm.N.
# nb is the notebook's name as shown in messages. A malformed notebook: one line
# "FILE:LINE: what is wrong" on stderr, exit 2. The format itself is described in run.sh's header.
function fail(msg, at) {
    printf "%s:%d: %s\n", nb, at ? at : NR, msg > "/dev/stderr"
    failed = 1
    exit 2
}
function emit(s) { if (mode == "rewrite") print s }
function is_close(s) { return s ~ /^```+[ \t]*$/ && match(s, /^`+/) && RLENGTH >= flen }
function ends_cont(s) { return s ~ /\\$/ }
function end_cmd(   f, l, nocheck) {
    state = "out"
    if (mode == "rewrite") {
        f = W "/norm." n
        while ((getline l < f) > 0) print l
        close(f)
        return
    }
    f = W "/cmd." n
    printf "%s\n", cmd > f
    close(f)
    nocheck = lastline ~ /#[ \t]*nocheck[ \t]*$/
    printf "%d\t%d\t%d\t%d\n", n, ncell, cmd_at, nocheck > (W "/index")
    printf "__nb_begin %d %d\n{\n%s\n} >\"$__nb_w/out.%d\" 2>&1 </dev/null\n__nb_end %d $? || exit\n", n, ncell, cmd, n, n > (W "/body")
}
BEGIN { state = "text"; n = 0; ncell = 0; flen = 3 }
{
    line = $0
    if (state == "text") {
        if (line ~ /^```/) {
            match(line, /^`+/)
            flen = RLENGTH
            info = substr(line, flen + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", info)
            if (info == "console") { state = "pre"; ncell++; cell_at = NR }
            else state = "fence"
        } else if (line ~ /^<!--[ \t]*(full|quick)[ \t]*:.*-->[ \t]*$/) {
            k = line
            sub(/^<!--[ \t]*/, "", k)
            v = k
            sub(/[ \t]*:.*/, "", k)
            sub(/^[a-z]+[ \t]*:[ \t]*/, "", v)
            sub(/[ \t]*-->[ \t]*$/, "", v)
            if (k in vars) fail("a second <!-- " k ": ... --> line (the first is on line " vars_at[k] ")")
            if (ncell) fail("the <!-- " k ": ... --> line must come before the first console cell")
            vars[k] = v
            vars_at[k] = NR
        }
        emit(line)
        next
    }
    if (state == "fence") {
        if (is_close(line)) state = "text"
        emit(line)
        next
    }
    # inside a console cell
    if (state == "cont") {
        if (is_close(line)) fail("the command on line " cmd_at " ends with a backslash, but the cell closes here")
        cmd = cmd "\n" line
        lastline = line
        emit(line)
        if (!ends_cont(line)) end_cmd()
        else state = "cont"
        next
    }
    if (is_close(line)) {
        state = "text"
        emit(line)
        next
    }
    if (substr(line, 1, 2) == "$ ") {
        n++
        cmd = substr(line, 3)
        lastline = line
        cmd_at = NR
        if (cmd ~ /^[ \t\\]*$/) fail("an empty command")
        emit(line)
        if (ends_cont(line)) state = "cont"
        else end_cmd()
        next
    }
    if (state == "pre") fail("a console cell must start with a \"$ \" command line; this line comes before any")
    # an output line of the current command: replaced (rewrite) or ignored (plan)
}
END {
    if (failed) exit 2
    if (state == "cont") fail("the command on line " cmd_at " ends with a backslash at the end of the file", NR)
    if (state != "text") fail((state == "fence" ? "a fenced block" : "the console cell opened on line " cell_at) " is never closed", NR)
    if (n && !("full" in vars)) fail("no <!-- full: VAR=value ... --> line before the first cell (it may be empty: <!-- full: -->)", 1)
    if (n && !("quick" in vars)) fail("no <!-- quick: VAR=value ... --> line before the first cell (it may be empty: <!-- quick: -->)", 1)
    if (mode == "plan") {
        v = (kind in vars) ? vars[kind] : ""
        printf "%s\n", v > (W "/vars")
        printf "" > (W "/index")
        printf "" > (W "/body")
    }
}
