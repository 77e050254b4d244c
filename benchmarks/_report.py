"""Shared by the benchmark scripts: write their results as JSON."""
import json
import os


def write_json(path: str, data) -> None:
    """Write ``data`` to ``path`` (folders created) and say so."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w") as fh:       # written whole, then renamed: never half a file
            json.dump(data, fh, indent=2)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {path}")
