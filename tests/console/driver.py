"""Driving a console session from a test: a session on a running sandbox, fed lines and answers."""

from __future__ import annotations

import io
from pathlib import Path

from rosterbot.config import Settings
from rosterbot.console import ConsoleSession, Timing, run_console
from rosterbot.sandbox import Sandbox

TIMING = Timing(poll=0.02)


class Fed:
    """Answers to form prompts that the test gives with each line; echoed like a script's."""

    def __init__(self, out: io.StringIO) -> None:
        self.lines: list[str] = []
        self.out = out

    def read(self, prompt: str, *, history: bool = True) -> str | None:
        if not self.lines:
            return None
        line = self.lines.pop(0)
        print(f"{prompt}{line}".rstrip(), file=self.out)
        return line


class Console:
    """A session on a running sandbox. `type(line, *answers)` handles one line (with the answers to
    any form it opens) and returns what was printed for it."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.out = io.StringIO()
        self.source = Fed(self.out)
        watch = box.services.outbox is not None
        if watch:
            box.start_worker(poll_seconds=0.1)
        self.session = ConsoleSession(box, self.out, self.source, timing=TIMING, watch_outbox=watch)

    def type(self, line: str, *answers: str) -> str:
        start = len(self.out.getvalue())
        self.source.lines[:] = list(answers)
        print(self.session.prompt() + line, file=self.out)
        self.session.handle(line)
        assert not self.source.lines, f"answers left unread: {self.source.lines}"
        return self.out.getvalue()[start:]


def run_script(settings: Settings, text: str, tmp_path: Path) -> str:
    """`rosterbot console --script FILE` with `text` as the file; the transcript."""
    path = tmp_path / "script.txt"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert run_console(settings, script=str(path), out=out, timing=TIMING) == 0
    return out.getvalue()
