"""Count the series of every study in a EUCAIM dataset and write a CSV of the result.

Run as: jobman submit -i lung-volume -- -i ~/datasets/<id> -o ~/persistent-home/results
"""

import argparse
import csv
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
    with open(os.path.join(args.output, "series.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["studyId", "subjectName", "series"])
        for study in studies:
            writer.writerow([study["studyId"], study["subjectName"], len(study.get("series", []))])


if __name__ == "__main__":
    main()
