"""Shared by the benchmark scripts: write their results as JSON."""
import json
import os


def write_json(path: str, data) -> None:
    """Write ``data`` to ``path`` (folders created) and say so."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2)
    print(f"wrote {path}")
