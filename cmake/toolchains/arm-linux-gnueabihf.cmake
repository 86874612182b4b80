# armhf boards (32-bit ARMv7 with hardware float): scripts/cross_test.sh armhf.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(VS_CROSS_TRIPLE arm-linux-gnueabihf)
set(VS_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian_multiarch.cmake)
