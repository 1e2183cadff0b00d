"""The application. jobman runs it with the arguments given after `--`, for example:

    jobman submit -i @NAME@ -- -i ~/datasets/<dataset id> -o ~/persistent-home/results

The dataset is mounted read-only; write results under ~/persistent-home. There is no
Internet at run time: install everything in the Dockerfile.
"""

import argparse
import json
import os


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-i", "--input", required=True, help="dataset directory (read-only)")
    parser.add_argument("-o", "--output", required=True, help="results directory")
    args = parser.parse_args()
    with open(os.path.join(args.input, "index.json"), encoding="utf-8") as handle:
        studies = json.load(handle)
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "studies.txt"), "w", encoding="utf-8") as handle:
        handle.write(f"{len(studies)} studies\n")


if __name__ == "__main__":
    main()
