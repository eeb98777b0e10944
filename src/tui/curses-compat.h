/*
 * The one place that picks the curses header (htop ProvideCurses.h). We
 * need the wide-character API (add_wch, setcchar), so ncursesw first.
 */
#ifndef MLMON_TUI_CURSES_COMPAT_H
#define MLMON_TUI_CURSES_COMPAT_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#if defined(__has_include)
#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#else
#include <curses.h>
#include <term.h>
#endif
#else
#include <curses.h>
#include <term.h>
#endif

#endif
