from analysis.positions import LineIndex, Position


def test_offsets_round_trip_with_every_line_break():
    text = "a\nbé😀\r\ncc\rdd"
    idx = LineIndex(text)
    assert idx.line_count == 4
    assert idx.line_text(1) == "bé😀"
    assert idx.line_text(2) == "cc"
    for off in range(len(text) + 1):
        pos = idx.position(off)
        if text[off - 1:off] != "\r" or text[off:off + 1] != "\n":  # inside a CRLF there is no position
            assert idx.offset(pos) == off, (off, pos)


def test_positions_count_code_points_not_bytes_or_utf16_units():
    idx = LineIndex("# 😀 é 中\nkey: 1\n")
    assert idx.position(len("# 😀 é 中\nkey")) == Position(1, 3)
    assert idx.position(len("# 😀 é")) == Position(0, 5)


def test_yaml_special_line_breaks_do_not_split_lines():
    # PyYAML also breaks lines at U+2028; LSP does not. Our lines must be LSP's.
    idx = LineIndex("a: 'x\u2028y'\nb: 1\n")
    assert idx.line_count == 3
    assert idx.position(len("a: 'x\u2028y'\nb")) == Position(1, 1)
