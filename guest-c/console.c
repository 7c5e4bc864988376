/*
 * console.c - formatted output on the emulated PL011, one trapped store per byte.
 */
#include <stdarg.h>

#include "console.h"
#include "kairos_platform.h"

static void put_string(const char *text)
{
	while (*text)
		kairos_uart_putc(*text++);
}

static void put_unsigned(uint64_t value, unsigned base)
{
	char digits[24];
	int count = 0;
	do {
		unsigned digit = (unsigned)(value % base);
		digits[count++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
		value /= base;
	} while (value);
	while (count)
		kairos_uart_putc(digits[--count]);
}

static void vsay(const char *format, va_list arguments)
{
	for (; *format; format++) {
		if (*format != '%' || !format[1]) {
			kairos_uart_putc(*format);
			continue;
		}
		switch (*++format) {
		case 's':
			put_string(va_arg(arguments, const char *));
			break;
		case 'u':
			put_unsigned(va_arg(arguments, uint64_t), 10);
			break;
		case 'x':
			put_string("0x");
			put_unsigned(va_arg(arguments, uint64_t), 16);
			break;
		case 'd': {
			int64_t value = va_arg(arguments, int64_t);
			if (value < 0)
				kairos_uart_putc('-');
			put_unsigned(value < 0 ? 0 - (uint64_t)value : (uint64_t)value, 10);
			break;
		}
		default:
			kairos_uart_putc(*format);
		}
	}
}

void say(const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	vsay(format, arguments);
	va_end(arguments);
}

void stop(const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	vsay(format, arguments);
	va_end(arguments);
	kairos_system_off();
}
