# arm64 boards (Raspberry Pi 3/4/5-class, i.MX 8): scripts/cross_test.sh arm64.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(VS_CROSS_TRIPLE aarch64-linux-gnu)
set(VS_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian_multiarch.cmake)
