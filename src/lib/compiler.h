/* compiler.h - what the compilers are told beyond C11. */
#ifndef MTOOLS_COMPILER_H
#define MTOOLS_COMPILER_H

/* Lets the compiler check printf-style formats. mingw-w64 builds use its
 * C99 printf (__USE_MINGW_ANSI_STDIO, set by CMakeLists.txt), which the
 * "gnu_printf" archetype describes; plain "printf" there means Microsoft's. */
#if defined(__MINGW32__)
#define MT_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__)
#define MT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MT_PRINTF(fmt, args)
#endif

#endif
