/* mlmon-top: the ops console. Everything is in libmlmon-tui. */
#include "tui/console.h"

int
main(int argc, char **argv)
{
	return console_main(argc, argv);
}
