# Cross build for aarch64-linux-gnu with Debian's multiarch packages (scripts/cross_test.sh):
# crossbuild-essential-arm64 and the :arm64 -dev libraries. Generators
# (nanopb, protoc) run on the build machine; programs built here run under
# qemu-user (CMAKE_CROSSCOMPILING_EMULATOR, so ctest does too).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# -L /: the target's libc from the multiarch packages (libc6:<arch>, pulled in
# by the -dev libraries). The cross toolchain's copy under /usr/<triple> is
# an older build of the same glibc; a program loading a mix of the two hangs
# at its first thread.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /)
