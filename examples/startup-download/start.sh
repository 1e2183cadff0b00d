#!/bin/bash
# Runs as `jobman submit -i lung-nodule-detector -- <dataset dir> <output dir>`
set -euo pipefail
source /home/chaimeleon/app/lib/env.sh
prepare_cache
exec python3 -m detector.main "$@"
