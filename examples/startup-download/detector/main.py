import json
import sys
from pathlib import Path

from detector.model import load_model


def main() -> int:
    dataset, output = Path(sys.argv[1]), Path(sys.argv[2])
    studies = json.loads((dataset / "index.json").read_text())
    model = load_model()
    results = {study["studyId"]: model.score(dataset / study["path"]) for study in studies}
    (output / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
