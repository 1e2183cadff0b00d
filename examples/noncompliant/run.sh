#!/bin/sh
git clone https://github.com/example/weights /tmp/weights
python3 /app/main.py "$@"
