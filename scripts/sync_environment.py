"""Write environment.yml from requirements.lock so conda users get the same pinned versions."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def locked(lock: Path) -> list[str]:
    pins = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            pins.append(line)
    return pins


def main() -> None:
    pins = locked(ROOT / "requirements.lock")
    lines = [
        "# Generated from requirements.lock by `make lock` (scripts/sync_environment.py); do not edit by hand.",
        "# tests/test_environment.py fails when the two disagree.",
        "name: absensi-medsos",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {p}" for p in pins],
        "      - -e .",
    ]
    (ROOT / "environment.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
