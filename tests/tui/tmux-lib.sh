# Helpers for the tmux end-to-end runs of mlmon-top (POSIX sh, sourced).
# The real console runs in a private tmux server (fish-shell's
# isolated-tmux pattern, tmux regress/*.sh): the script polls the pane
# until a marker shows (no fixed sleeps), sends keys, asserts what is on
# screen. Set before sourcing:
#	sock	the private server's name (mlmon-NAME-$$)
#	tmp	a private temp dir, removed on exit
# and optionally wait_default (seconds a wait polls; 10) and writer (a
# background pid, killed on exit).
#
# T ARGS...			tmux on the private server
# screen			the pane of session t, as text
# wait_for TEXT [SECONDS]	poll until TEXT is on screen
# wait_re REGEX [SECONDS]	poll until an extended regex matches
# wait_gone TEXT		poll until TEXT is gone (10 s)
# start CMD...			(re)start session t (100x30) running CMD
# keys KEYS...			send keys to session t
# Each failed wait prints the screen and sets fail=1 (start with fail=0
# and step set to the name of what is checked).

T() { tmux -L "$sock" -f /dev/null "$@"; }

tmux_cleanup() {
	T kill-server 2>/dev/null || true
	[ -n "${writer:-}" ] && kill "$writer" 2>/dev/null || true
	rm -rf "$tmp"
}
trap tmux_cleanup EXIT INT TERM
fail=0
step=""

screen() { T capture-pane -p -t t 2>/dev/null; }

# tmux_poll GREP_FLAG PATTERN SECONDS: 0 once grep finds it on screen.
tmux_poll() {
	i=0
	limit=$(( $3 * 10 ))
	while [ "$i" -lt "$limit" ]; do
		if screen | grep -q"$1" -- "$2"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# tmux_wait GREP_FLAG PATTERN SECONDS WHAT: poll; on timeout say WHAT.
tmux_wait() {
	tmux_poll "$1" "$2" "${3:-${wait_default:-10}}" && return 0
	echo "FAIL [$step]: $4; screen:"
	screen | sed 's/^/  | /' || true
	fail=1
	return 1
}

wait_for() { tmux_wait F "$1" "${2:-}" "'$1' never appeared"; }
wait_re() { tmux_wait E "$1" "${2:-}" "/$1/ never matched"; }

wait_gone() {
	i=0
	while [ "$i" -lt 100 ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "FAIL [$step]: '$1' still on screen"
	fail=1
}

start() {
	T kill-session -t t 2>/dev/null || true
	T new-session -d -s t -x 100 -y 30 "$*; echo EXITED=\$?; sleep 60"
	T set-option -t t remain-on-exit on >/dev/null
}

keys() { T send-keys -t t "$@"; }
