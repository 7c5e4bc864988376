/*
 * console.h - the C guest's console output on the emulated PL011 (kairos_platform.h).
 */
#ifndef GUEST_C_CONSOLE_H
#define GUEST_C_CONSOLE_H

#include <stdint.h>

/* Prints `format` with %s (string), %u (uint64_t), %d (int64_t), %x (uint64_t, hex), %%. */
void say(const char *format, ...);

/* Prints the message and powers the VM off. */
void stop(const char *format, ...) __attribute__((noreturn));

#endif /* GUEST_C_CONSOLE_H */
