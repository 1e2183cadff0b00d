# Runs inside the image as its own user, with no network; prints one fact per line.
# Arguments: the platform's mount directories.
echo "uid $(id -u)"
echo "user $(id -un 2>/dev/null)"
echo "gid $(id -g)"
# the process groups, and those /etc/group gives the user at login (USER u:g drops the latter)
echo "groups $(id -Gn 2>/dev/null) $(id -Gn "$(id -un 2>/dev/null)" 2>/dev/null)"
echo "gids $(id -G 2>/dev/null) $(id -G "$(id -un 2>/dev/null)" 2>/dev/null)"
for d in "$@"; do
  if [ -d "$d" ]; then
    w=0
    t="$d/.chaimeleon-lint-probe.$$"
    if ( : > "$t" ) 2>/dev/null; then rm -f "$t"; w=1; fi
    echo "dir $d 1 $(stat -c %u "$d" 2>/dev/null || echo '?') $w"
  else
    echo "dir $d 0 ? 0"
  fi
done
if command -v sudo >/dev/null 2>&1; then
  if sudo -n true >/dev/null 2>&1; then echo "sudo yes"; else echo "sudo no"; fi
else
  echo "sudo absent"
fi
for p in sshd supervisord x11vnc Xvnc vncserver Xtigervnc tigervncserver; do
  if command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ]; then echo "program $p"; fi
done
if command -v perl >/dev/null 2>&1; then echo "program perl"; fi
