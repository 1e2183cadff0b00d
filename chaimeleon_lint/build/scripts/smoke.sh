# Starts the network sentinel (when the image has perl), then the image's own command line.
dir=$(dirname "$0")
if command -v perl >/dev/null 2>&1; then
  perl "$dir/sentinel.pl" &
  sentinel=$!
  i=0
  while [ $i -lt 50 ] && ! kill -0 "$sentinel" 2>/dev/null; do i=$((i + 1)); sleep 0.1; done
  sleep 0.3
else
  echo "chaimeleon-lint-net unavailable" >&2
fi
"$@"
status=$?
[ -n "${sentinel:-}" ] && kill "$sentinel" 2>/dev/null
exit $status
