#!/bin/sh
# Make sure the cmocka unit-test library is installed; install it with the
# system's package manager when it is not. Usage: ensure-cmocka.sh [CC]
CC=${1:-cc}

have_cmocka() {
    flags=$(pkg-config --cflags --libs cmocka 2>/dev/null || echo -lcmocka)
    printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\nint main(void){return 0;}\n' |
        $CC -x c - $flags -o /dev/null >/dev/null 2>&1
}

have_cmocka && exit 0

echo "cmocka (the unit-test library) is not installed; installing it..."
SUDO=
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO=sudo
if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcmocka-dev pkg-config
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y libcmocka-devel pkgconf-pkg-config
elif command -v pacman >/dev/null 2>&1; then
    $SUDO pacman -S --noconfirm cmocka pkgconf
elif command -v brew >/dev/null 2>&1; then
    brew install cmocka pkg-config
else
    echo "error: no apt-get, dnf, pacman or brew found to install cmocka." >&2
    echo "       Install the cmocka development package yourself (Debian/Ubuntu: libcmocka-dev," >&2
    echo "       Fedora: libcmocka-devel, Arch: cmocka, macOS: brew install cmocka), then run make test again." >&2
    exit 1
fi

if ! have_cmocka; then
    echo "error: cmocka still cannot be found by $CC after installing it." >&2
    echo "       Check that its header (cmocka.h) and library are on the compiler's search path" >&2
    echo "       (pkg-config --cflags --libs cmocka should print them)." >&2
    exit 1
fi
echo "cmocka installed."
