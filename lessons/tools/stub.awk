# stub.awk — turn one source file into its exercise version for lesson L.
#
#   awk -v L=05 -v DIR=05-norms -v HDR=src/layers/norm.h -v TABLE=lessons/tools/exercises.txt \
#       -v LOG=stubbed.txt -f stub.awk src/layers/norm.c > out.c
#
# In src/, the code a learner writes sits between two comment lines:
#     // EXERCISE BEGIN NN name
#     ...the real code...
#     // EXERCISE END
# For lesson L those lines and the code between them become a stub: when the
# region is a whole function body, the shapes comment of the function's
# declaration in HDR, `(void)param;` for every parameter (so it compiles
# without warnings) and `return 0;` for a non-void function; always the TODO
# of TABLE and its extra stub code. Regions of other lessons keep their code;
# every marker line is dropped. The name of each stub is appended to LOG.

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

BEGIN {
    FS = "\n"
    # TABLE: lesson|name|check|todo|stub|hint
    while ((getline line < TABLE) > 0) {
        if (line ~ /^#/ || line == "") continue
        n = split(line, f, "|")
        if (f[1] != L) continue
        todo[f[2]] = f[4]
        extra[f[2]] = f[5]
    }
    # HDR: the comment lines right above each declaration
    cbuf = ""
    while (HDR != "" && (getline line < HDR) > 0) {
        if (line ~ /^\/\//) { cbuf = cbuf (cbuf == "" ? "" : "\n") line; continue }
        if (match(line, /[A-Za-z_][A-Za-z_0-9]*\(/)) {
            name = substr(line, RSTART, RLENGTH - 1)
            if (line ~ /^[A-Za-z]/ && !(name in shapes)) shapes[name] = cbuf
            cbuf = ""
            continue
        }
        if (line !~ /^[ \t]/) cbuf = ""
    }
    sig = ""; insig = 0; prev = ""
}

# the signature of the function being read (from its first line to the `{`)
!inregion && /^[A-Za-z_].*\(/ && !/;[ \t]*$/ { sig = ""; insig = 1 }
insig { sig = sig " " $0; if ($0 ~ /\{[ \t]*$/) { insig = 0; sigdone = NR } }

/^[ \t]*\/\/ EXERCISE BEGIN / {
    split(trim($0), w, /[ \t]+/)   # //, EXERCISE, BEGIN, NN, name
    inregion = 1
    stubbing = (w[4] == L)
    rname = w[5]
    whole = (sigdone == NR - 1)
    if (stubbing && !(rname in todo)) {
        print "stub.awk: " FILENAME ": " rname " has no row in " TABLE > "/dev/stderr"
        exit 1
    }
    next
}

/^[ \t]*\/\/ EXERCISE END/ {
    if (stubbing) emit_stub()
    inregion = 0; stubbing = 0
    next
}

inregion && stubbing { next }
{ print }

function emit_stub(   ind, s, params, np, i, p, casts, ret, lines, nl) {
    ind = "    "
    print ind "// EXERCISE " L " (" rname "): write this part; lessons/" DIR "/README.md derives it."
    if (whole && (rname in shapes) && shapes[rname] != "") {
        print ind "// From " HDR ":"
        nl = split(shapes[rname], lines, "\n")
        for (i = 1; i <= nl; i++) print ind lines[i]
    }
    print ind "// TODO: " todo[rname]
    if (whole) {
        s = sig
        ret = trim(substr(s, 1, index(s, "(") - 1))
        sub(/^(static|inline)[ \t]+(inline[ \t]+)?/, "", ret) # storage class is not the type
        s = substr(s, index(s, "(") + 1)
        sub(/\)[^)]*$/, "", s)
        np = split(s, params, ",")
        casts = ""
        for (i = 1; i <= np; i++) {
            p = trim(params[i])
            if (p == "void" || p == "") continue
            match(p, /[A-Za-z_][A-Za-z_0-9]*$/)
            casts = casts (casts == "" ? "" : ", ") "(void)" substr(p, RSTART, RLENGTH)
        }
        if (casts != "") print ind casts ";"
    }
    if (extra[rname] != "") print ind extra[rname]
    if (whole && ret !~ /^void[ \t]/ && extra[rname] !~ /return/) print ind "return 0;"
    if (LOG != "") print rname >> LOG
}
