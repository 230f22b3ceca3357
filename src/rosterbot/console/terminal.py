"""Where the console's lines come from: a terminal (with readline's line editing and history), or a
script whose lines are echoed after their prompt, so the output reads as a transcript."""

from __future__ import annotations

import atexit
import contextlib
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TextIO

log = logging.getLogger(__name__)

HISTORY_FILE = Path("~/.rosterbot_history")
HISTORY_LENGTH = 1000


class ScriptSource:
    """Lines of a script, each echoed after its prompt (as if typed). A line `# ...` between
    commands is a comment: echoed as is."""

    def __init__(self, lines: Iterable[str], out: TextIO) -> None:
        self._lines: Iterator[str] = iter(lines)
        self.out = out

    def read(self, prompt: str, *, history: bool = True) -> str | None:
        while True:
            line = next(self._lines, None)
            if line is None:
                return None
            line = line.rstrip("\r\n")
            if history and (line.startswith("# ") or line == "#"):
                print(line, file=self.out)  # a comment between commands
                continue
            if history and not line.strip():
                continue  # blank lines between commands; in a form a blank line is an answer
            print(f"{prompt}{line}".rstrip(), file=self.out)
            self.out.flush()
            return line


class TerminalSource:
    """input() with readline when the platform has it; field answers stay out of the history."""

    def __init__(self, history_file: Path | None = HISTORY_FILE) -> None:
        self._readline = _load_readline(history_file)

    def read(self, prompt: str, *, history: bool = True) -> str | None:
        try:
            line = input(prompt)
        except EOFError:
            print()
            return None
        except KeyboardInterrupt:
            print()
            return ":cancel" if not history else ""
        if self._readline is not None and not history and line:
            length = self._readline.get_current_history_length()
            if length:
                self._readline.remove_history_item(length - 1)
        return line


def _load_readline(history_file: Path | None) -> ModuleType | None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return None
    if history_file is not None:
        path = history_file.expanduser()
        with contextlib.suppress(OSError):  # no history yet, or not readable: start without
            readline.read_history_file(path)
        readline.set_history_length(HISTORY_LENGTH)

        def save() -> None:
            try:
                readline.write_history_file(path)
            except OSError:
                log.debug("could not write the console history to %s", path)

        atexit.register(save)
    return readline
