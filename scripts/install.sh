#!/usr/bin/env sh
# Installs the C library: header, static and shared libraries (with the
# SONAME link) and a pkg-config file, under PREFIX (default /usr/local).
#
#   ./scripts/install.sh                     # release build, /usr/local
#   PREFIX=$HOME/.local ./scripts/install.sh
#   ./scripts/install.sh --debug             # debug build (used by the tests)
#
# Then: cc app.c $(pkg-config --cflags --libs custodia)
#   or: cc app.c $(pkg-config --cflags --libs --static custodia)
set -eu
cd "$(dirname "$0")/.."
PREFIX="${PREFIX:-/usr/local}"
PROFILE=release
FLAG=--release
if [ "${1:-}" = "--debug" ]; then PROFILE=debug; FLAG=; fi
cargo build --lib --quiet $FLAG
TARGET="${CARGO_TARGET_DIR:-target}/$PROFILE"

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR=${VERSION%%.*}
MINOR=$(echo "$VERSION" | cut -d. -f2)
if [ "$MAJOR" = 0 ]; then SONAME="libcustodia.so.0.$MINOR"; else SONAME="libcustodia.so.$MAJOR"; fi

mkdir -p "$PREFIX/include" "$PREFIX/lib/pkgconfig"
cp include/custodia.h "$PREFIX/include/"
cp "$TARGET/libcustodia.a" "$PREFIX/lib/"
cp "$TARGET/libcustodia.so" "$PREFIX/lib/$SONAME"
ln -sf "$SONAME" "$PREFIX/lib/libcustodia.so"
cat > "$PREFIX/lib/pkgconfig/custodia.pc" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: custodia
Description: Customer master data kept clean and safe (C API)
Version: $VERSION
Libs: -L\${libdir} -lcustodia
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
Cflags: -I\${includedir}
PC
echo "installed custodia $VERSION under $PREFIX"
