"""The real-VS-Code session the tests in this folder share: code-server 4.100.3 (VS Code 1.100.3)
with the .vsix built from vscode-client/, headless Debian Chromium, driven by Playwright.

code-server comes from scripts/setup_code_server.sh (cached in ~/.cache/prune-lsp-code-server;
scripts/test runs it and exports PRUNE_LSP_CODE_SERVER). Without it or without Chromium or
Playwright the tests skip and say why; in CI scripts/test installs them all.

One code-server serves the whole module (starting it costs ~15 s on 2 cores); the tests run in
file order and each saves screenshots under the session's folder, whose path a failure prints.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "vscode-client"
DEFAULT_CACHE = Path.home() / ".cache" / "prune-lsp-code-server"


def _code_server() -> str:
    env = os.environ.get("PRUNE_LSP_CODE_SERVER")
    if env:
        return env
    skip_why = os.environ.get("PRUNE_LSP_CODE_SERVER_SKIP")
    if skip_why:
        pytest.skip(f"code-server could not be installed: {skip_why}")
    cached = DEFAULT_CACHE / "node_modules" / ".bin" / "code-server"
    if cached.exists() and any(DEFAULT_CACHE.glob(".complete-*")):
        return str(cached)
    pytest.skip("code-server is not installed: run `bash scripts/setup_code_server.sh` (scripts/test does) "
                "or set PRUNE_LSP_CODE_SERVER to its path")


def _chromium() -> str:
    exe = os.environ.get("PRUNE_LSP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("Debian's chromium is not installed (scripts/setup_code_server.sh installs it)")
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build_vsix(out: Path) -> Path:
    """The .vsix exactly as a user builds it (`npm run package`: esbuild bundle + vsce)."""
    if not (CLIENT / "node_modules" / ".bin" / "vsce").exists():
        pytest.skip("vscode-client/node_modules is missing: run `npm ci` in vscode-client (scripts/test does)")
    vsix = out / "prune-lsp.vsix"
    r = _run(["npm", "run", "--silent", "package", "--", "--out", str(vsix)], cwd=CLIENT, timeout=300)
    if r.returncode != 0 or not vsix.exists():
        raise AssertionError(f"npm run package failed:\n{r.stdout}\n{r.stderr}")
    return vsix


# Two more files for the tests: a scratch config to complete in, and a Python file whose
# WeightPruningConfig(...) INC would reject (in the workspace before VS Code indexes it).
COMPLETE_YAML = """\
# prune-lsp: model=tiny_bert.safetensors
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.5
      start_step: 0
      end_step: 100
      pruners:
        - !PrunerV2
          op_names: ['']
          pattern: "4x1"
"""
BAD_WPC = """\
from neural_compressor.training import WeightPruningConfig

config = WeightPruningConfig(
    [{"op_names": ["encoder"], "pattern": "2:4", "target_sparsity": 0.9}],
    pruning_type="snip_momentum",
    start_step=0,
    end_step=0,
)
"""


def make_workspace(root: Path) -> Path:
    """A copy of examples/ with the tiny model written by its own script (edits stay in tmp)."""
    ws = root / "workspace"
    shutil.copytree(REPO / "examples", ws, ignore=shutil.ignore_patterns("*.safetensors", "__pycache__"))
    (ws / "complete.yaml").write_text(COMPLETE_YAML)
    (ws / "train_bad.py").write_text(BAD_WPC)
    r = _run([sys.executable, str(ws / "make_tiny_model.py"), str(ws / "tiny_bert.safetensors")], timeout=120)
    assert r.returncode == 0, r.stderr
    return ws


class CodeServer:
    def __init__(self, exe: str, root: Path, vsix: Path, python: str):
        self.exe, self.root, self.vsix, self.python = exe, root, vsix, python
        self.port = _free_port()
        self.user_data = root / "user-data"
        self.extensions = root / "extensions"
        self.env = dict(os.environ)
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            self.env[var] = str(root / var.lower())
        self.env.pop("VSCODE_IPC_HOOK_CLI", None)
        # What the extension's install offer pip-installs (default: PyPI's prune-lsp): this checkout.
        self.env["PRUNE_LSP_INSTALL_SPEC"] = str(REPO)
        self.proc: subprocess.Popen | None = None
        self.log = root / "code-server.log"

    def _args(self) -> list[str]:
        return [self.exe, "--user-data-dir", str(self.user_data), "--extensions-dir", str(self.extensions),
                "--config", str(self.root / "code-server.yaml")]

    def install(self) -> None:
        r = _run(self._args() + ["--install-extension", str(self.vsix)], env=self.env, timeout=180)
        assert r.returncode == 0, f"--install-extension failed:\n{r.stdout}\n{r.stderr}"

    def write_settings(self, extra: dict | None = None) -> None:
        settings = {
            "pruneLsp.interpreter": self.python,
            "pruneLsp.debounceMs": 50,
            "security.workspace.trust.enabled": False,
            "workbench.startupEditor": "none",
            "telemetry.telemetryLevel": "off",
            "update.mode": "none",
            "extensions.autoUpdate": False,
            "extensions.ignoreRecommendations": True,
            "chat.disableAIFeatures": True,
            "workbench.tips.enabled": False,
            "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
            "editor.suggestOnTriggerCharacters": False,
            "editor.acceptSuggestionOnEnter": "on",
            "editor.hover.delay": 300,
            "files.autoSave": "off",
            "window.restoreWindows": "none",
            "git.enabled": False,
            "editor.minimap.enabled": False,
        }
        settings.update(extra or {})
        path = self.user_data / "User" / "settings.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings, indent=2))

    def start(self) -> None:
        args = self._args() + [
            "--bind-addr", f"127.0.0.1:{self.port}", "--auth", "none", "--disable-telemetry",
            "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
            "--ignore-last-opened",
        ]
        # Its own process group: the extension host and the language server it spawns are in it.
        self.proc = subprocess.Popen(args, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"code-server exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"code-server did not answer /healthz in 90 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None

    def server_pids(self) -> list[int]:
        """The language servers (`python -m lsp_server`) running in code-server's process group."""
        pgid = self.proc.pid
        pids = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                cmd = (d / "cmdline").read_bytes().split(b"\0")
                if b"lsp_server" in cmd and b"-m" in cmd and os.getpgid(int(d.name)) == pgid:
                    stat = (d / "stat").read_text()
                    if stat.rsplit(")", 1)[1].split()[0] != "Z":
                        pids.append(int(d.name))
            except (OSError, ProcessLookupError):
                continue
        return pids

    def extension_log(self) -> str:
        """The `Prune LSP` output channel as the extension host wrote it to disk."""
        logs = sorted(self.user_data.glob("logs/*/exthost*/prune-lsp.prune-lsp/*.log"))
        return "\n".join(p.read_text(errors="replace") for p in logs)


@pytest.fixture(scope="session")
def vscode_session(tmp_path_factory):
    exe = _code_server()
    chromium = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e .[dev])")
    root = tmp_path_factory.mktemp("vscode")
    # Screenshots and logs outlive pytest's rotation of its tmp folders (other runs delete them):
    # .cache/ is ignored by git; PRUNE_LSP_VSCODE_ARTIFACTS puts them elsewhere (CI uploads).
    shots = Path(os.environ.get("PRUNE_LSP_VSCODE_ARTIFACTS") or REPO / ".cache" / "vscode-e2e")
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    vsix = build_vsix(root)
    ws = make_workspace(root)
    cs = CodeServer(exe, root, vsix, sys.executable)
    cs.install()
    cs.write_settings()
    cs.start()
    from .workbench import Workbench

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                 args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(5000)  # a locator that waits longer hides where a step is stuck
    wb = Workbench(page, cs, ws, shots)
    try:
        wb.open_workbench()
        yield wb
    finally:
        try:
            browser.close()
            pw.stop()
        finally:
            cs.stop()


@pytest.fixture
def wb(vscode_session, request):
    """The shared workbench; on failure, a screenshot and the extension's log, and where they are."""
    vscode_session.step = request.node.name
    yield vscode_session
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        shot = vscode_session.shot("FAILED")
        log = vscode_session.shots / f"{request.node.name}-extension.log"
        shutil.copy(vscode_session.cs.log, vscode_session.shots / "code-server.log")
        log.write_text(vscode_session.cs.extension_log())
        print(f"\nscreenshots: {vscode_session.shots}\nlast: {shot}\nextension log: {log}\n"
              f"code-server log: {vscode_session.shots / 'code-server.log'}")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
