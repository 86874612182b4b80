# Shared by the toolchain files beside it: a cross build for ${VS_CROSS_TRIPLE}
# with Debian's cross compilers (crossbuild-essential-<arch>) and multiarch
# -dev libraries (<package>:<arch>), as scripts/setup.sh installs them.
# Generators (nanopb, protoc) run on the build machine; programs built here
# run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR, so ctest does too).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${VS_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${VS_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${VS_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${VS_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${VS_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
# -L /: the target's libc from the multiarch packages (libc6:<arch>, pulled in
# by the -dev libraries). The cross toolchain's copy under /usr/<triple> is
# an older build of the same glibc; a program loading a mix of the two hangs
# at its first thread.
set(CMAKE_CROSSCOMPILING_EMULATOR ${VS_CROSS_QEMU} -L /)
