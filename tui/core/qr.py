"""QR codes drawn with half-block characters, two module rows per text line (Textual-free)."""

from __future__ import annotations

BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def qr_lines(data: str, border: int = 2) -> list[str]:
    """Lines where drawn characters are the dark modules; show them dark on a light background."""
    import segno

    qr = segno.make(data, error="l", micro=False)
    rows = [[bool(v) for v in row] for row in qr.matrix]
    size = len(rows)
    pad = [False] * (size + 2 * border)
    grid = [pad] * border + [[False] * border + r + [False] * border for r in rows] + [pad] * border
    if len(grid) % 2:
        grid.append(pad)
    return ["".join(BLOCKS[(top[i], bottom[i])] for i in range(len(top)))
            for top, bottom in zip(grid[0::2], grid[1::2])]
