# Project-wide compile settings, applied to our own targets only (generated
# nanopb C code gets no -Werror).

set(VS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough)
if(VS_WERROR)
  list(APPEND VS_WARNINGS -Werror)
endif()

if(VS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(VS_FUZZ)
  # Coverage instrumentation for every library the fuzz targets reach.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# vs_warnings(<name>) applies the warning set to a C++ target.
function(vs_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${VS_WARNINGS}>)
endfunction()

# Mbed TLS 2.28 ships neither a CMake package nor a pkg-config file.
function(vs_find_mbedtls)
  if(TARGET MbedTLS::mbedcrypto)
    return()
  endif()
  find_path(MBEDTLS_INCLUDE_DIR mbedtls/version.h REQUIRED)
  find_library(MBEDCRYPTO_LIB mbedcrypto REQUIRED)
  add_library(MbedTLS::mbedcrypto UNKNOWN IMPORTED GLOBAL)
  set_target_properties(MbedTLS::mbedcrypto PROPERTIES IMPORTED_LOCATION ${MBEDCRYPTO_LIB}
                        INTERFACE_INCLUDE_DIRECTORIES ${MBEDTLS_INCLUDE_DIR})
  find_library(MBEDX509_LIB mbedx509 REQUIRED)
  add_library(MbedTLS::mbedx509 UNKNOWN IMPORTED GLOBAL)
  set_target_properties(MbedTLS::mbedx509 PROPERTIES IMPORTED_LOCATION ${MBEDX509_LIB}
                        INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
endfunction()
