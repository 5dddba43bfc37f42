/*
 * libFuzzer target for gemtext_to_gopher: whatever the input, the menu
 * is well formed. Every line ends in CR LF and has exactly three TABs,
 * its display fits GOPHER_WIDTH columns, and ".\r\n" ends the menu.
 * Widths are not checked on inputs with "```": preformatted lines are kept
 * whole on purpose, and the unit tests cover them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "menu_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gopher_ctx	 ctx = { "example.org", 70, "/a/b/" };
	char				*out;
	size_t				 len = 0;

	out = gemtext_to_gopher((const char *)data, size, &ctx, &len);
	check_menu(out, len, memmem(data, size, "```", 3) != NULL);
	free(out);
	return 0;
}
