"""Column alignment as kubectl does it: Go's text/tabwriter with kubectl's settings.

kubectl writes table rows as tab-separated cells into `printers.GetNewTabWriter`
(k8s.io/cli-runtime/pkg/printers/tabwriter.go: minwidth 6, padding 3, pad with spaces) built
on github.com/liggitt/tabwriter, a copy of Go's text/tabwriter with one more flag,
`RememberWidths`: the widest column seen stays wide after a Flush. That is why `kubectl get -w`
keeps later rows aligned with the header printed by the first flush.

The rules mirrored here (Go src/text/tabwriter/tabwriter.go, `format` and `writeLines`):

- a line is cut at each tab into cells; a cell followed by a tab belongs to a column, the last
  cell of a line does not (it is written as it is, never padded, so no trailing blanks);
- a column block is a run of consecutive lines that all have a tab-terminated cell in that
  column; its width is the widest cell plus the padding, at least `minwidth`; a line with fewer
  cells (an empty line between two tables) ends the block;
- with remembered widths a column is never narrower than it was in an earlier flush.

Widths count characters (Go counts runes when not in byte mode).
"""

from __future__ import annotations

from typing import Any

MIN_WIDTH = 6
PADDING = 3


class TabWriter:
    """Buffers lines until `flush()`, then writes them aligned to `out` (anything with write)."""

    def __init__(
        self,
        out: Any,
        *,
        min_width: int = MIN_WIDTH,
        padding: int = PADDING,
        remember_widths: bool = True,
    ) -> None:
        self.out = out
        self.min_width = min_width
        self.padding = padding
        self.remember_widths = remember_widths
        self._lines: list[list[str]] = []
        self._partial = ""
        self._remembered: list[int] = []

    def write(self, text: str) -> None:
        """Add text; complete lines (ending in \\n) are buffered until `flush()`."""
        text = self._partial + text
        *complete, self._partial = text.split("\n")
        self._lines.extend(line.split("\t") for line in complete)

    def writeline(self, cells: list[str]) -> None:
        self.write("\t".join(cells) + "\n")

    def set_remembered_widths(self, widths: list[int] | None) -> None:
        """liggitt/tabwriter SetRememberedWidths: kubectl resets them between resource types."""
        self._remembered = list(widths or [])

    def flush(self) -> None:
        if self._partial:
            self._lines.append(self._partial.split("\t"))
            self._partial = ""
            partial = True
        else:
            partial = False
        lines, self._lines = self._lines, []
        out: list[str] = []
        self._format(lines, 0, len(lines), [], out)
        text = "\n".join(out)
        if lines and not partial:
            text += "\n"
        if text:
            self.out.write(text)
        flush = getattr(self.out, "flush", None)
        if flush is not None:
            flush()

    def _format(
        self, lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]
    ) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            # a cell in this column: the lines before it are complete at this depth
            self._write_lines(lines, line0, this, widths, out)
            line0 = this
            width = self.min_width
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + self.padding)
                this += 1
            if self.remember_widths:
                if column < len(self._remembered):
                    width = max(width, self._remembered[column])
                    self._remembered[column] = width
                else:
                    self._remembered.append(width)
            self._format(lines, line0, this, [*widths, width], out)
            line0 = this
        self._write_lines(lines, line0, line1, widths, out)

    @staticmethod
    def _write_lines(
        lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]
    ) -> None:
        for line in lines[line0:line1]:
            parts = []
            for j, cell in enumerate(line):
                if j < len(widths):
                    parts.append(cell.ljust(widths[j]))
                else:
                    parts.append(cell)
            out.append("".join(parts))
