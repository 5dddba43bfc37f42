/*
 * libFuzzer target for gopher_map: whatever the gophermap, the menu
 * is well formed. Every line ends in CR LF and has exactly three TABs,
 * its display fits GOPHER_WIDTH columns, and ".\r\n" ends the menu.
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

	out = gopher_map((const char *)data, size, &ctx, &len);
	check_menu(out, len, 0);
	free(out);
	return 0;
}
