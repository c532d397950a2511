"""Security checks: no pickle, safe YAML, safe export names, and no network use.

- The source of `assistant/` (parsed with `ast`) imports no pickle-family module, calls no
  `torch.load`, no `np.load(allow_pickle=True)`, no unsafe YAML loader, no `eval`/`exec`.
- A template with a `!!python/...` tag is refused with a message naming the file; nothing runs.
- `safe_filename` turns hostile names into one harmless file name inside the target folder.
- `gongwen ingest`, `search` and `compose` run in processes whose audit hook (a sitecustomize on
  PYTHONPATH) records every socket connect, name lookup, URL request and pickle class lookup;
  HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are removed from their environment, so it is the code
  itself that stays offline. Only loopback or Unix-socket connects would be allowed; none occur.
"""

from __future__ import annotations

import ast
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.compose.templates import BUILTIN_DIR, load_templates
from assistant.export.paths import MAX_BYTES, safe_filename

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "assistant"
SEEDS = Path(__file__).parent / "data" / "seeds"

# ------------------------------------------------------------------------------------ no pickle
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "pickletools"}
UNSAFE_YAML = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def unsafe_calls(source: str, filename: str) -> list[str]:
    """Every pickle import, torch.load, np.load(allow_pickle=True), unsafe YAML load, eval/exec."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where} import {a.name}" for a in node.names if a.name.split(".")[0] in PICKLE_MODULES]
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] in PICKLE_MODULES:
                found.append(f"{where} from {node.module} import …")
            found += [f"{where} import {a.name}" for a in node.names if a.name in PICKLE_MODULES | {"read_pickle"}]
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if name in ("torch.load", "read_pickle") or name.endswith((".read_pickle", "pickle.load", "pickle.loads")):
                found.append(f"{where} {name}()")
            elif name in ("np.load", "numpy.load") and "allow_pickle" in keywords and not (
                    isinstance(keywords["allow_pickle"], ast.Constant) and keywords["allow_pickle"].value is False):
                found.append(f"{where} {name}(allow_pickle=…)")
            elif name.startswith("yaml.") and name.split(".")[-1] in UNSAFE_YAML:
                found.append(f"{where} {name}()")
            elif name in ("eval", "exec"):
                found.append(f"{where} {name}()")
    return found


def test_the_scan_finds_what_it_looks_for():
    bad = ("import pickle\nfrom joblib import load\nimport numpy as np\nimport torch, yaml\n"
           "torch.load('m.bin')\nnp.load('a.npy', allow_pickle=True)\nyaml.load(s)\nyaml.unsafe_load(s)\n"
           "eval('1')\npd.read_pickle('x')\n")
    assert len(unsafe_calls(bad, "bad.py")) == 8
    ok = "import numpy as np\nnp.load('a.npz', allow_pickle=False)\nyaml.safe_load(s)\nmodel.eval()\n"
    assert unsafe_calls(ok, "ok.py") == []


def test_no_pickle_or_unsafe_loading_anywhere_in_the_package():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 30
    found = [hit for path in files for hit in unsafe_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == []
    assert not [p for p in PACKAGE.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib", ".npy")]


# ------------------------------------------------------------------------------------ templates
EVIL_TEMPLATES = {
    "恶意模板.yaml": 'doctype: 恶意\ntitle: 甲\nsections: [{heading: 一, roles: [开头]}]\n'
                   'x: !!python/object/apply:os.system ["touch {marker}"]\n',
    "evil_new.yml": 'doctype: 恶意二\ntitle: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]\n'
                    'sections: [{heading: 一, roles: [开头]}]\n',
    "evil_name.yaml": "doctype: !!python/name:os.system\ntitle: 甲\nsections: [{heading: 一, roles: [开头]}]\n",
}


def evil_template_dir(folder: Path, marker: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in EVIL_TEMPLATES.items():
        (folder / name).write_text(text.replace("{marker}", str(marker)), encoding="utf-8")
    shutil.copy(BUILTIN_DIR / "请示.yaml", folder / "我的请示.yaml")  # a good one beside them
    return folder


def test_yaml_python_tags_are_refused_naming_the_file_and_nothing_runs(tmp_path):
    marker = tmp_path / "executed"
    folder = evil_template_dir(tmp_path / "templates", marker)
    errors: list[str] = []
    templates = load_templates(folder, on_error=errors.append)
    for name in EVIL_TEMPLATES:
        assert any(e.startswith(f"模板 {name}：YAML 格式错误") for e in errors), (name, errors)
    assert len(errors) == len(EVIL_TEMPLATES)
    assert "恶意" not in templates and "恶意二" not in templates and "请示" in templates
    assert not marker.exists()


# ---------------------------------------------------------------------------------- file names
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
HOSTILE_NAMES = [
    "../../etc/passwd", "..\\..\\windows\\system32\\config", "/etc/passwd", "/", "C:\\Windows\\win.ini",
    "C:/x.docx", "\\\\server\\share\\x.docx", "a\x00b.docx", "\x00", "报告\x00.docx/../../x", "..", ".", "...",
    " ", "", "CON", "con.docx", "nul", "Aux.md", "COM1.txt", "lpt9", "CON .docx", "PRN.", "~/.ssh/id_rsa",
    "报告\n第二行\r.docx", "\u202egnp.exe.docx", "a\u200bb", "关于" + "很长" * 300 + ".docx", "x" * 5000,
    "/" * 300, "%2e%2e%2fetc", "file:///etc/passwd", "名字:冒号*星号?问号|竖线<尖>.docx",
]


def check_safe(name: str, base: Path) -> str:
    """One harmless file name in `base`; no device name before the first dot (NUL.txt and NUL.tar.gz both mean NUL)."""
    safe = safe_filename(name)
    assert safe and safe not in (".", "..") and not safe.startswith((".", " ")) and not safe.endswith((".", " "))
    assert not set(safe) & set('/\\:*?"<>|') and "\x00" not in safe and ".." not in safe
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in safe)
    assert len(safe.encode("utf-8")) <= MAX_BYTES
    assert safe.split(".")[0].strip().upper() not in WINDOWS_DEVICES
    target = (base / safe).resolve()
    assert target.parent == base.resolve() and target.name == safe
    return safe


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_export_names_stay_one_harmless_file_in_the_folder(name, tmp_path):
    safe = check_safe(name, tmp_path)
    (tmp_path / safe).write_bytes(b"x")  # the file system accepts it, in the folder itself
    assert [p.name for p in tmp_path.iterdir()] == [safe]


def test_a_long_chinese_name_keeps_its_start_and_suffix():
    safe = safe_filename("关于" + "很长" * 300 + ".docx")
    assert safe.startswith("关于很长") and safe.endswith(".docx")
    assert safe_filename("../../etc/passwd") == "etc_passwd" and safe_filename("CON.docx") == "CON_.docx"


def test_device_names_with_more_than_one_extension():
    for name in ("NUL.tar.gz", "con.报告.docx", "aux.2024.md", "CON.;"):
        assert safe_filename(name).split(".")[0].upper() not in WINDOWS_DEVICES, name


def test_a_lone_surrogate_in_a_name():
    check_safe("\ud800报告.docx", Path("/tmp/exports"))


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["..", "/", "\\", ".", "\x00", " ", "CON", "nul",
                                                                  "com1", "．", "docx", "关于", "\u202e", ":"])),
                max_size=12).map("".join))
def test_any_name_becomes_one_harmless_file_name(name):
    check_safe(name, Path("/tmp/exports"))


# ------------------------------------------------------------------------------------- network
AUDIT_HOOK = r'''
import json, os, sys

_LOG = os.environ["GONGWEN_AUDIT_LOG"]
_WATCH = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
          "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg", "http.client.connect", "urllib.Request",
          "ftplib.connect", "smtplib.connect", "pickle.find_class", "webbrowser.open")


def _hook(event, args):
    if event in _WATCH:
        try:
            text = [repr(a) if not isinstance(a, (str, int, float, type(None))) else a for a in args]
            if event == "socket.connect":
                sock, address = args
                text = [int(sock.family), address if isinstance(address, (str, bytes)) else list(address)[:2]]
            with open(_LOG, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"event": event, "args": text, "argv": sys.argv[1:3]}, default=str) + "\n")
        except Exception as err:  # never break the program under test
            with open(_LOG, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"event": event, "args": ["unrecorded", repr(err)]}) + "\n")


sys.addaudithook(_hook)
with open(_LOG, "a", encoding="utf-8") as _handle:
    _handle.write(json.dumps({"event": "installed", "args": [os.getpid()]}) + "\n")
'''


def is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def offline_env(tmp_path: Path) -> dict:
    hooks = tmp_path / "audit"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")}
    env["PYTHONPATH"] = os.pathsep.join([str(hooks), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["GONGWEN_AUDIT_LOG"] = str(tmp_path / "audit.jsonl")
    return env


def test_the_audit_hook_sees_connects_lookups_and_pickle(tmp_path):
    env = offline_env(tmp_path)
    probe = ("import socket, pickle, collections\n"
             "s = socket.socket(); s.settimeout(0.2)\n"
             "try: s.connect(('127.0.0.1', 9))\nexcept OSError: pass\n"
             "socket.getaddrinfo('localhost', 80)\n"
             "pickle.loads(pickle.dumps(collections.OrderedDict()))\n")
    subprocess.run([sys.executable, "-c", probe], env=env, check=True, timeout=60)
    events = [json.loads(line)["event"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert {"socket.connect", "socket.getaddrinfo", "pickle.find_class"} <= set(events)


def test_ingest_search_and_compose_use_no_network_and_no_pickle(tmp_path):
    env = offline_env(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(SEEDS.glob("*.txt"))[:3]:
        shutil.copy(path, corpus / path.name)
    # Remote references a careless reader might follow: none may be fetched.
    (corpus / "远程资源.html").write_text(
        '<html><head><link rel="stylesheet" href="http://198.51.100.7/a.css">'
        '<script src="https://198.51.100.7/a.js"></script><title>关于网络安全的通知</title></head><body>'
        '<div class="article"><h1>关于网络安全的通知</h1><img src="http://198.51.100.7/x.png">'
        '<iframe src="http://198.51.100.7/"></iframe><p>各单位要加强网络安全管理，落实责任，确保信息系统安全运行。</p>'
        '</div></body></html>', encoding="utf-8")
    (corpus / "图片.md").write_text("# 关于加强档案管理的通知\n\n![图](http://198.51.100.7/y.png)\n\n"
                                   "各单位要加强档案管理工作，落实责任，确保档案安全。\n", encoding="utf-8")
    marker = tmp_path / "executed"
    templates = evil_template_dir(tmp_path / "templates", marker)
    index = tmp_path / "index"
    out = tmp_path / "out" / "总结.docx"
    commands = [
        ["ingest", str(corpus), "--index", str(index)],
        ["search", "加强网络安全管理 下一步打算", "--index", str(index), "--json"],
        ["compose", "--doctype", "工作总结", "--topic", "医德医风建设", "--org", "某县卫生局", "--year", "2026",
         "--index", str(index), "--out", str(out), "--sources", "separate", "--templates", str(templates)],
    ]
    for args in commands:
        proc = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (args[0], proc.stderr)
        if args[0] == "search":
            assert json.loads(proc.stdout)["hits"]
        if args[0] == "compose":
            for name in EVIL_TEMPLATES:
                assert f"警告：模板 {name}：YAML 格式错误" in proc.stderr, proc.stderr
    assert out.exists() and not marker.exists()
    log = tmp_path / "audit.jsonl"
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sum(e["event"] == "installed" for e in events) >= len(commands)  # the hook ran in every process
    remote = []
    for event in events:
        if event["event"] == "installed":
            continue
        name, args = event["event"], event["args"]
        if name == "socket.connect":
            family, address = args
            if family == socket.AF_UNIX:  # a local socket file
                continue
            if is_loopback(address[0]):
                continue
        elif name in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex") and is_loopback(args[0]):
            continue
        remote.append(event)
    assert remote == []
