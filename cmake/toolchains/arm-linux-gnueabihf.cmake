# Cross build for arm-linux-gnueabihf with Debian's multiarch packages (scripts/cross_test.sh):
# crossbuild-essential-armhf and the :armhf -dev libraries. Generators
# (nanopb, protoc) run on the build machine; programs built here run under
# qemu-user (CMAKE_CROSSCOMPILING_EMULATOR, so ctest does too).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig)
# -L /: the target's libc from the multiarch packages (libc6:<arch>, pulled in
# by the -dev libraries). The cross toolchain's copy under /usr/<triple> is
# an older build of the same glibc; a program loading a mix of the two hangs
# at its first thread.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /)
