"""Random sequences of incremental edits sent to the real server, under a UTF-16 and a UTF-8 client.

After each sequence the server's diagnostics (pushed, and pulled as a barrier) must equal a
fresh `check_text` of the final text, converted to the client's position encoding: any drift
between the client's text and the server's (line model, encoding, clamping) shows up here. No
check may take more than 2 s, and no internal error may reach the client.

Regular run: 50 sequences per profile; full run (PRUNE_LSP_FUZZ=full): 2,000 per profile.
One server process per profile for the whole run. Seed: PRUNE_LSP_FUZZ_SEED.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec
from pytest_lsp import LanguageClient

from analysis.engine import CheckSettings, check_text
from analysis.positions import LineIndex
from lsp_server.convert import Converter
from tests.conftest import OWN_CONFIGS, corpus_configs
from tests.lsp.conftest import CONFIG

from .conftest import FULL, PUSH_PROFILES

SEQUENCES = 2_000 if FULL else 50
# Liveness, not speed: the newest version's diagnostics must come at all. A latency bound here failed
# on a loaded 2-core machine (2.0 s); latency is bench/bench_server.py's job.
TIME_LIMIT_S = 30.0
ENCODING = {"utf16": types.PositionEncodingKind.Utf16, "utf8": types.PositionEncodingKind.Utf8}

BUILTIN = [
    """\
# é 😀 中 config — with non-ASCII everywhere
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.9  # 目標
      pruners:
        - !PrunerV2
          op_names: ['layer\\.é.*', "😀.*"]
          pattern: "4x1"
          pruning_type: snip_momentum
          start_step: 2
          end_step: 1
""",
    "pruning_configs:\n  - op_names: ['𝔘.*']  # 𝔘 is astral\n    pattern: 2:4\n    target_sparsity: 1.5\n",
    "pruning:\r\n  approach:\r\n    weight_compression:\r\n      pruners:\r\n        - !Pruner\r\n"
    "            prune_type: basic_magnitude\r\n            names: ['é']\r\n",
    "",
]

INSERTS = ["a", "x", " ", "  ", ":", ": ", "\n", "\n", "\r\n", "\r", "- ", "#", "# é ", "é", "中", "😀", "𝔘",
           "e\u0301", "\u2028", "\u2029", "\x0c", "\x0b", "\x85", "\x1c", "\t", "'", '"', "[", "]", "{", "}",
           "&a ", "*a", "!PrunerV2", "target_sparsity: 0.9", "pattern: 4x1", "pattern: '2:4'",
           "pruning_type: snip_momentum", "0.5", "1.5", "excluded_op_names: ['é😀']",
           "\n        - !PrunerV2\n          pattern: \"2:4\"\n", "  # prune-lsp: disable=PL010",
           "pruning:\n  approach:\n    weight_compression_v2:\n"]


def _starts() -> list[str]:
    # the project's own dialect configs always (not rules/: their modelines name models the server would
    # read); INC's corpus too where it is here (optional, tests/conftest.py)
    own = sorted(p for p in (OWN_CONFIGS / "dialects").iterdir() if p.suffix in (".yaml", ".yml"))
    return BUILTIN + [p.read_text(encoding="utf-8") for p in own + corpus_configs()]


def _units(enc: str, s: str) -> int:
    return len(s.encode("utf-16-le")) // 2 if enc == "utf16" else len(s.encode("utf-8", "surrogatepass"))


def _client_position(enc: str, lines: LineIndex, offset: int) -> types.Position:
    p = lines.position(offset)
    return types.Position(line=p.line, character=_units(enc, lines.line_text(p.line)[:p.character]))


def _boundary(text: str, i: int) -> int:
    """No position falls between the \\r and \\n of a line break (the LSP cannot name it)."""
    if 0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n":
        return i + 1
    return i


def random_change(rng: random.Random, enc: str, text: str) -> tuple[Any, str]:
    """One content change in the client's units, and the text after it."""
    if rng.random() < 0.03:
        new = rng.choice(BUILTIN)
        return types.TextDocumentContentChangeWholeDocument(text=new), new
    n = len(text)
    start = _boundary(text, rng.randint(0, n))
    r = rng.random()
    span = 0 if r < 0.45 else rng.randint(1, 3) if r < 0.8 else rng.randint(1, 80)
    end = _boundary(text, min(n, start + span))
    ins = "" if span and rng.random() < 0.5 else "".join(rng.choice(INSERTS) for _ in range(rng.randint(1, 3)))
    lines = LineIndex(text)
    rng_ = types.Range(start=_client_position(enc, lines, start), end=_client_position(enc, lines, end))
    return types.TextDocumentContentChangePartial(range=rng_, text=ins), text[:start] + ins + text[end:]


def _key(d: types.Diagnostic) -> tuple:
    r = d.range
    rel = tuple((x.location.range.start.line, x.location.range.start.character, x.location.range.end.line,
                 x.location.range.end.character, x.message) for x in (d.related_information or []))
    return (r.start.line, r.start.character, r.end.line, r.end.character, str(d.code), int(d.severity), d.message, rel)


def expected_keys(enc: str, uri: str, text: str) -> tuple[list[tuple], bool]:
    """A fresh check of `text`, in the client's units: what the server must show."""
    from lsp_server.features.diagnostics import to_lsp

    result = check_text(text, to_fs_path(uri), CheckSettings(disabled_rules=frozenset()))
    conv = Converter(PositionCodec(ENCODING[enc]), LineIndex(text))
    keys = [_key(to_lsp(d, conv, uri, None)) for d in result.diagnostics]
    return keys, bool(result.diagnostics) or result.is_pruning_config


@pytest_lsp.fixture(config=CONFIG, params=list(PUSH_PROFILES))
async def push_client(request, lsp_client: LanguageClient):
    lsp_client.profile = request.param
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=PUSH_PROFILES[request.param](), initialization_options={"pruneLsp": {"debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


def _describe(seed: int, k: int, start: str, changes: list, final: str) -> str:
    return (f"seed {seed}, sequence #{k}\n--- start ---\n{start[:1500]!r}\n--- changes ---\n"
            + "\n".join(repr(c) for c in changes[:40])[:4000] + f"\n--- final ---\n{final[:1500]!r}")


async def test_edit_sequences_match_a_fresh_check(push_client: LanguageClient, tmp_path):
    client = push_client
    enc = client.profile
    seed = int(os.environ.get("PRUNE_LSP_FUZZ_SEED", "4321"))
    rng = random.Random(f"{seed}-{enc}")
    starts = _starts()
    server = client._server
    worst = 0.0
    quiet_waits = 0
    for k in range(SEQUENCES):
        uri = (tmp_path / f"doc{k}.yaml").as_uri()
        start = rng.choice(starts)
        if rng.random() < 0.3:  # a non-ASCII (or odd line break) prefix shifts every later column
            start = rng.choice(["é😀 ", "# \u2028 x\n", "\x0c\n", "中: 1\r\n", "# 𝔘\r"]) + start
        text, version, sent = start, 1, []
        first = len(client.published)
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
        for _ in range(rng.randint(1, 12)):
            changes = []
            for _ in range(1 if rng.random() < 0.85 else rng.randint(2, 4)):
                change, text = random_change(rng, enc, text)
                changes.append(change)
            version += 1
            sent.append(changes)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=changes))
        t0 = time.monotonic()
        want, must_publish = expected_keys(enc, uri, text)
        info = lambda: _describe(seed, k, start, [c for cs in sent for c in cs], text)  # noqa: E731
        # Pulled: the server's check of its own copy of the text, answered for the newest version.
        rep = await asyncio.wait_for(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri))), 10)
        assert [_key(d) for d in rep.items] == want, "pulled diagnostics differ from a fresh check\n" + info()
        # Pushed: the last publishDiagnostics must be the newest version's (or, for a text that is
        # no pruning config and has no finding, possibly nothing / an earlier empty list).
        if must_publish:
            deadline = time.monotonic() + TIME_LIMIT_S
            while not any(u == uri and v == version for u, v, _ in client.published[first:]):
                assert server.returncode is None, f"the server died (exit {server.returncode})\n" + info()
                assert time.monotonic() < deadline, f"no diagnostics for v{version} within {TIME_LIMIT_S} s\n" + info()
                await asyncio.sleep(0.002)
        else:
            quiet_waits += 1
            await asyncio.sleep(0.05)
        worst = max(worst, time.monotonic() - t0)
        mine = [(v, d) for u, v, d in client.published[first:] if u == uri]
        if mine:
            last_v, last = mine[-1]
            assert last_v <= version
            vs = [v for v, _ in mine]
            assert vs == sorted(vs), f"published versions out of order: {vs}\n" + info()
            got = [_key(d) for d in last]
            assert got == want, f"published v{last_v} differs from a fresh check of v{version}\n" + info()
        else:
            assert not want, "nothing was published\n" + info()
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    assert server.returncode is None, "the server died"
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    errors += [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert not errors, errors[:5]
    print(f"\n[{enc}] {SEQUENCES} edit sequences, seed {seed}: slowest settle {worst * 1000:.0f} ms, "
          f"{quiet_waits} ended on a non-config text")
