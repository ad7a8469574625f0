#!/bin/sh
# fetch.sh — put TinyShakespeare at data/tinyshakespeare/input.txt and verify it.
#
#   sh data/fetch.sh                                     download (curl, else wget)
#   TINYSHAKESPEARE=/path/to/input.txt sh data/fetch.sh  copy a file you already have
#
# The file is first written to a temporary name next to its destination and only
# moved into place after its size and sha256 check out, so a failed or
# interrupted fetch never leaves a partial file at the final path.
set -u

URL=https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt
SIZE=1115394
SHA256=86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed
DEST=data/tinyshakespeare/input.txt
VERIFIED="size and sha256 verified"   # downgraded by check() if no hash tool
ADVICE="Check your network connection / proxy settings (HTTPS_PROXY), or download
  $URL
by hand and run:  TINYSHAKESPEARE=/path/to/input.txt make data"

# Work from the repo root (the parent of this script's directory).
cd "$(dirname "$0")/.." || exit 1

die() { printf 'fetch.sh: error: %s\n' "$*" >&2; exit 1; }

# Print the sha256 of $1, or nothing if no hashing tool is installed.
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 "$1" | sed 's/.*= *//'
    fi
}

size_of() { wc -c <"$1" | tr -d ' '; }

# check FILE: 0 if size and hash match (or no hash tool: size only, with a
# warning), 1 otherwise with "expected vs got" in $WHY.
check() {
    got_size=$(size_of "$1")
    if [ "$got_size" != "$SIZE" ]; then
        WHY="size: expected $SIZE bytes, got $got_size"
        return 1
    fi
    got_sha=$(sha256_of "$1")
    if [ -z "$got_sha" ]; then
        echo "fetch.sh: warning: no sha256sum, shasum or openssl found; checked the size only, skipped the sha256 check" >&2
        VERIFIED="size checked, sha256 NOT checked"
        return 0
    fi
    if [ "$got_sha" != "$SHA256" ]; then
        WHY="sha256: expected $SHA256, got $got_sha"
        return 1
    fi
    return 0
}

if [ -f "$DEST" ]; then
    if check "$DEST"; then
        echo "$DEST already present ($SIZE bytes, $VERIFIED); nothing to do."
        exit 0
    fi
    echo "fetch.sh: existing $DEST is wrong ($WHY); deleting it and fetching again." >&2
    rm -f "$DEST" || die "cannot delete the bad copy $DEST; remove it by hand"
fi

mkdir -p "$(dirname "$DEST")" || die "cannot create directory $(dirname "$DEST")"
TMP="$DEST.$$.tmp"
trap 'rm -f "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

if [ -n "${TINYSHAKESPEARE:-}" ]; then
    SRC=$TINYSHAKESPEARE
    [ -e "$SRC" ] || die "TINYSHAKESPEARE=$SRC does not exist. Point it at a copy of TinyShakespeare's input.txt."
    [ -f "$SRC" ] || die "TINYSHAKESPEARE=$SRC is not a regular file. Point it at TinyShakespeare's input.txt."
    echo "Copying $SRC -> $DEST"
    cp "$SRC" "$TMP" || die "could not copy $SRC to $TMP"
    FROM=$SRC
    ADVICE="Check that TINYSHAKESPEARE points at an unmodified copy of
  $URL
(an editor may have changed its line endings), or unset it to download the file."
else
    if command -v curl >/dev/null 2>&1; then
        echo "Downloading $URL (curl)"
        curl -fL --retry 2 -o "$TMP" "$URL" || die "curl could not download the file.
$ADVICE"
    elif command -v wget >/dev/null 2>&1; then
        echo "Downloading $URL (wget)"
        wget -O "$TMP" "$URL" || die "wget could not download the file.
$ADVICE"
    else
        die "neither curl nor wget is installed, so the file cannot be downloaded.
Install one of them, or download
  $URL
by hand and run:  TINYSHAKESPEARE=/path/to/input.txt make data"
    fi
    FROM=$URL
fi

# A copied source may be read-only; the working copy should not be.
chmod 644 "$TMP" 2>/dev/null

if ! check "$TMP"; then
    die "the file from $FROM is not TinyShakespeare ($WHY); deleted it, $DEST was not written.
$ADVICE"
fi
mv -f "$TMP" "$DEST" || die "could not move $TMP to $DEST"
echo "$DEST ready ($SIZE bytes, $VERIFIED)."
