# Static x86-64 Linux programs against musl (Debian: musl-tools), which run
# on any x86-64 Linux, WSL1 and WSL2 included: no glibc version, no NSS.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER musl-gcc)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
