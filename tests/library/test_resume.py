"""Where a video resumes: where it was left, unless near its start or its end."""
from mediarec.library.events import resume_position
from mediarec.recommend.events import record
from vector_factory import add_media


def test_resume_position(lib):
    film, short, never = add_media(lib, 3, kind="video")
    with lib.transaction() as c:
        c.execute("UPDATE media SET duration = 6000 WHERE id = ?", (film,))
    assert resume_position(lib, never) is None
    record(lib, film, "start", ts=1.0)
    assert resume_position(lib, film) is None  # started, not left yet
    record(lib, film, "stop", position=1234.5, ts=2.0)  # left at 20 %: a skip by the rules
    assert resume_position(lib, film) == 1234.5
    record(lib, film, "stop", position=4100.0, ts=3.0)  # a play by the rules, still mid-film
    assert resume_position(lib, film) == 4100.0
    record(lib, film, "like", ts=4.0)  # no position: changes nothing
    assert resume_position(lib, film) == 4100.0
    record(lib, film, "stop", position=5800.0, ts=5.0)  # in the last 5 %: the credits
    assert resume_position(lib, film) is None
    record(lib, film, "stop", position=9.0, ts=6.0)  # near the start
    assert resume_position(lib, film) is None
    record(lib, short, "stop", position=190.0, ts=7.0)  # 200 s long: within 15 s of the end
    assert resume_position(lib, short) is None
    record(lib, short, "stop", position=100.0, ts=8.0, player_error=True)  # play_end after a player error
    assert resume_position(lib, short) == 100.0
