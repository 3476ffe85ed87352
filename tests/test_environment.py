"""The environment: the conda file and the pip lock pin the same packages; import-time workarounds hold."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _env_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for item in pip_section:
        if item.startswith("-"):
            continue
        name, version = item.split("==")
        pins[name.lower()] = version
    return pins


def test_environment_yml_mirrors_the_lock():
    lock, env = _lock_pins(), _env_pins()
    assert lock, "requirements.lock is empty"
    missing = sorted(set(lock) - set(env))
    extra = sorted(set(env) - set(lock))
    differ = sorted(n for n in set(lock) & set(env) if lock[n] != env[n])
    assert not (missing or extra or differ), f"missing in environment.yml: {missing}; extra: {extra}; differ: {differ}"


def test_every_top_level_requirement_is_locked():
    lock = _lock_pins()
    wanted = []
    for line in (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            wanted.append(re.split(r"[<>=\[ ]", line)[0].lower())
    assert [w for w in wanted if w not in lock] == []


def test_environment_pins_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]


def test_pipeline_processes_skip_the_slow_iri_format_checker():
    """pipeline/__init__.py keeps jsonschema from importing rfc3987_syntax (~0.85 s per process);
    notebooks still validate, and only the unused iri formats are missing."""
    code = (
        "import sys, pipeline, nbformat, jsonschema\n"
        "nb = nbformat.read('notebooks/province.ipynb', as_version=4)\n"
        "nbformat.validate(nb)\n"
        "checkers = set(jsonschema.FormatChecker.checkers)\n"
        "assert sys.modules.get('rfc3987_syntax') is None\n"
        "assert 'iri' not in checkers and {'uri', 'date-time', 'email'} <= checkers, checkers\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
