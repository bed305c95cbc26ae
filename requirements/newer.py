"""Print the packages whose installed version differs from the lock (for `make test-latest`)."""

import re
import sys
from importlib import metadata
from pathlib import Path


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


locked = {
    _name(m.group(1)): m.group(2)
    for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", Path(sys.argv[1]).read_text(), re.M)
}
installed = {_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
changed = [
    f"  {n} {v} -> {installed[n]}" for n, v in sorted(locked.items()) if n in installed and installed[n] != v
]
print("Versions newer than the lock:" if changed else "The newest allowed versions are the locked ones.")
if changed:
    print("\n".join(changed))
