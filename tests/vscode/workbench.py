"""Driving VS Code's workbench (code-server in Chromium) with keyboard and mouse, as a person does.

Selectors and key strokes from ../shared/reference/real-vscode.md (VS Code 1.100). Monaco draws
spaces as U+00A0: text read from the editor is normalised with `plain`.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")
MOD = "Control"


def plain(text: str) -> str:
    return (text or "").replace("\u00a0", " ")


class Workbench:
    def __init__(self, page, cs, workspace: Path, shots: Path):
        self.page, self.cs, self.ws, self.shots = page, cs, workspace, shots
        self.root = cs.root
        self.step = "start"
        self._n = 0

    # -- basics ----------------------------------------------------------------------------------

    def shot(self, what: str) -> Path:
        self._n += 1
        path = self.shots / f"{self._n:02d}-{self.step}-{what}.png"
        try:
            self.page.screenshot(path=str(path))
        except Exception:  # a screenshot must never hide the real failure
            pass
        return path

    def settle(self, fn: Callable[[], T], timeout: float = 30.0, interval: float = 0.25) -> T | None:
        """fn() until it returns something truthy, else None: the caller asserts with a diff."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = fn()
                if got:
                    return got
            except Exception:
                pass
            if time.monotonic() > deadline:
                return None
            time.sleep(interval)

    def wait_for(self, what: str, fn: Callable[[], T], timeout: float = 30.0, interval: float = 0.25) -> T:
        """fn() until it returns something truthy; else fail with what was last seen."""
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            try:
                last = fn()
                if last:
                    return last
            except Exception as e:  # a detached element while the workbench re-renders
                last = e
            if time.monotonic() > deadline:
                self.shot("timeout")
                raise AssertionError(f"{what}: not seen within {timeout:.0f} s (last: {last!r})")
            time.sleep(interval)

    def open_workbench(self) -> None:
        self.page.goto(f"http://127.0.0.1:{self.cs.port}/?folder={self.ws}", timeout=90_000)
        self.page.wait_for_selector(".explorer-folders-view", timeout=90_000)
        self.shot("workbench")

    def keys(self, *strokes: str) -> None:
        for s in strokes:
            self.page.keyboard.press(s)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=5)

    # -- files and commands ----------------------------------------------------------------------

    def active_tab(self) -> str:
        tab = self.page.locator(".editor-group-container.active .tabs-container .tab.active")
        return plain(tab.first.get_attribute("aria-label") or "") if tab.count() else ""

    def open_file(self, name: str) -> None:
        """Ctrl+P, the file's name, Enter; waits until its editor has the focus (tries three times: a
        key stroke can land while the workbench is still busy with the previous step, e.g. a
        language client restarting after an install)."""
        for attempt in range(3):
            self.keys("Escape")
            self.keys(f"{MOD}+p")
            box = self.page.locator(".quick-input-widget .quick-input-box input")
            self.wait_for("quick open", lambda: box.is_visible() and box.evaluate("e => e === document.activeElement"), 10)
            self.type(name)
            # The row Enter opens is the focused one: wait for it, not for any row naming the file (the
            # unfiltered list of recently opened files names it too, with the active file focused first).
            focused = self.page.locator(".quick-input-list .monaco-list-row.focused")
            self.wait_for(f"{name} selected in quick open",
                          lambda: focused.count() > 0 and name in plain(focused.first.inner_text(timeout=1000)), 15)
            self.keys("Enter")
            if self.settle(lambda: self.active_tab().startswith(name), 15):
                break
        else:
            self.shot("open-file")
            tabs = [plain(t.get_attribute("aria-label") or "") for t in self.page.locator(".tabs-container .tab").all()]
            raise AssertionError(f"editor of {name}: not the active tab after 3 tries (active: "
                                 f"{self.active_tab()!r}; tabs: {tabs}; notifications: {self.notifications()})")
        self.page.locator(".editor-group-container.active .monaco-editor textarea").first.focus()

    def run_command(self, title: str) -> None:
        """F1, then the command's title, then Enter."""
        self.keys("Escape", "F1")
        self.page.wait_for_selector(".quick-input-widget:not([style*='display: none']) input", timeout=10_000)
        self.type(title)
        self.wait_for(f"command {title!r} in the palette",
                      lambda: any(title in plain(r.inner_text()) for r in
                                  self.page.locator(".quick-input-list .monaco-list-row").all()), timeout=15)
        self.keys("Enter")

    def close_all_editors(self) -> None:
        """"View: Close All Editor Groups"; an editor left unsaved by a failed earlier step is closed
        without saving (VS Code's "Don't Save"), so that one failure does not carry into later steps."""
        self.run_command("View: Close All Editor Groups")
        tabs = self.page.locator(".tabs-container .tab")
        dont_save = self.page.locator(".monaco-dialog-box .monaco-button", has_text="Don't Save")

        def closed() -> bool:
            if dont_save.count():
                dont_save.first.click()
            return tabs.count() == 0

        self.wait_for("every editor closed", closed, 15)

    def goto(self, line: int, col: int) -> None:
        """Ctrl+G `line:col` Enter (1-based, like the editor's own status bar)."""
        self.keys(f"{MOD}+g")
        self.page.wait_for_selector(".quick-input-widget:not([style*='display: none']) input", timeout=10_000)
        self.type(f"{line}:{col}")
        self.keys("Enter")
        self.wait_for(f"cursor at {line}:{col}", lambda: f"Ln {line}, Col {col}" in self.status_texts_all(),
                      timeout=10)

    def save(self) -> None:
        self.keys(f"{MOD}+s")

    def editor_text(self) -> str:
        """The visible lines of the active editor (Monaco renders only what is on screen)."""
        lines = self.page.locator(".editor-group-container.active .monaco-editor .view-lines .view-line")
        tops = []
        for el in lines.all():
            style = el.get_attribute("style") or ""
            m = re.search(r"top:\s*(-?\d+)", style)
            tops.append((int(m.group(1)) if m else 0, plain(el.inner_text())))
        return "\n".join(t for _, t in sorted(tops))

    # -- status bar ------------------------------------------------------------------------------

    def status_items(self) -> list[tuple[str, str]]:
        """(text, inner HTML) of each status bar item."""
        out = []
        for el in self.page.locator(".part.statusbar .statusbar-item").all():
            try:
                out.append((plain(el.inner_text()).strip(), el.inner_html()))
            except Exception:
                continue
        return out

    def status_texts_all(self) -> str:
        return " | ".join(t for t, _ in self.status_items())

    def prune_status(self) -> tuple[str, str] | None:
        for text, html in self.status_items():
            if "Prune LSP" in text:
                return text, html
        return None

    # -- panels and widgets ----------------------------------------------------------------------

    def problems(self) -> list[str]:
        """aria-labels of the Problems panel's marker rows (Ctrl+Shift+M opens it)."""
        rows = self.page.locator(".markers-panel .monaco-list-row")
        return [plain(r.get_attribute("aria-label") or "") for r in rows.all()]

    def suggestions(self) -> list[str]:
        rows = self.page.locator(".suggest-widget.visible .monaco-list-row")
        return [plain(r.get_attribute("aria-label") or r.inner_text()) for r in rows.all()]

    def suggestion_labels(self) -> list[str]:
        rows = self.page.locator(".suggest-widget.visible .monaco-list-row .label-name")
        return [plain(r.inner_text()).strip() for r in rows.all()]

    def hover_text(self) -> str:
        h = self.page.locator(".monaco-editor .monaco-hover:not(.hidden)")
        return "\n".join(plain(x.inner_text()) for x in h.all() if x.is_visible())

    def lenses(self) -> list[str]:
        return [plain(x.inner_text()).strip() for x in
                self.page.locator(".editor-group-container .monaco-editor .codelens-decoration").all()]

    def notifications(self) -> list[str]:
        return [plain(x.inner_text()) for x in self.page.locator(".notifications-toasts .notification-toast").all()]

    def frame_with(self, text: str):
        """The (nested) webview frame whose body holds `text`."""
        for f in self.page.frames:
            try:
                if text in (f.locator("body").inner_text(timeout=500) or ""):
                    return f
            except Exception:
                continue
        return None
