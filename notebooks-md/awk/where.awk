# where.awk — where command i of a notebook stands, for run.sh's error messages: prints
# "cell C (line L)" from the index that parse.awk writes (one line per command, tab-separated:
# N, cell, line, nocheck). POSIX awk.
#
#   awk -F'\t' -v i=N -f where.awk W/index
$1 == i { print "cell " $2 " (line " $3 ")" }
