#!/bin/sh
python3 /app/main.py "$@"
