"""Every golden transcript replays identically."""

from pathlib import Path

import pytest

from iosflex.transcript import diff

TRANSCRIPTS = sorted((Path(__file__).parent.parent / "transcripts").glob("*.txt"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_transcript(path):
    d = diff(path)
    assert not d, "\n" + "\n".join(d)


def test_there_are_transcripts():
    assert len(TRANSCRIPTS) >= 10
