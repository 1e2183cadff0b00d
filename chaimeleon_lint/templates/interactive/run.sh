#!/bin/bash
# Runs at start-up as chaimeleon, with no Internet: only start services here.
# Rotate the default password: the final one is only known at run time (PASSWORD, or random).
USER=chaimeleon
PREVIOUS_PASSWORD=chaimeleon
PASSWORD=${PASSWORD:-$(< /dev/urandom tr -dc _A-Z-a-z-0-9 | head -c16)}
echo -e "$PREVIOUS_PASSWORD\n$PASSWORD\n$PASSWORD" | (passwd $USER)
exec supervisord -n -c /etc/supervisor/supervisord.conf
