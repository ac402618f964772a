"""E-learning modules beside face-to-face courses: on /courses, /training, their own page and
the public API, searchable and filterable the same way."""

import pytest

from tests.conftest import one_day, uk


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def programme(app, make_theme, make_course, make_course_session, make_module, make_provider):
    neglect = make_theme("Neglect")
    exploitation = make_theme("Child exploitation")
    provider = make_provider("Learning Pool")
    course = make_course("Recognising neglect", code="NEG2", level=2, theme_ids=[neglect])
    make_course_session(course, dates=one_day(uk(2031, 5, 12)))
    make_module(
        "Safeguarding children online",
        code="EL1",
        module_code="SC-L1",
        provider_id=provider,
        level=1,
        theme_ids=[exploitation],
        validity_months=36,
    )
    make_module("Early help basics", code="EL2", level=2, validity_months=None, audience="adults")
    make_module("Draft module", code="EL3", status="draft")
    return {"neglect": neglect, "exploitation": exploitation}


def test_courses_lists_modules_beside_face_to_face_courses(client, programme):
    page = text_of(client.get("/courses"))
    assert "Recognising neglect" in page
    assert "Safeguarding children online" in page
    assert "Online, at your own pace" in page
    assert "E-learning from Learning Pool: start it at any time" in page
    assert "Draft module" not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=safeguarding+online", ["Safeguarding children online"], ["Recognising neglect"]),
        ("q=sc-l1", ["Safeguarding children online"], ["Early help basics"]),
        ("mode=elearning", ["Safeguarding children online", "Early help basics"], ["NEG2"]),
        ("mode=classroom", ["Recognising neglect"], ["Safeguarding children online"]),
        ("level=1", ["Safeguarding children online"], ["Early help basics"]),
        ("audience=adults", ["Early help basics"], ["Safeguarding children online"]),
    ],
)
def test_courses_filters_find_modules(client, programme, query, shown, hidden):
    page = text_of(client.get(f"/courses?{query}"))
    for title in shown:
        assert title in page
    for title in hidden:
        assert title not in page


def test_courses_theme_filter_finds_modules(client, programme):
    page = text_of(client.get(f"/courses?theme={programme['exploitation']}"))
    assert "Safeguarding children online" in page
    assert "Recognising neglect" not in page


def test_find_training_shows_modules_online_at_your_own_pace(client, programme):
    page = text_of(client.get("/training"))
    assert "Online, at your own pace: 2 e-learning modules" in page
    assert "Recognising neglect" in page
    assert 'href="https://elearning.example.org/courses/SC-L1"' in page
    assert "Start the module" in page
    assert "Draft module" not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=early", ["Early help basics"], ["Safeguarding children online"]),
        ("mode=elearning", ["Early help basics", "Safeguarding children online"], []),
        ("mode=classroom", ["Recognising neglect"], ["Online, at your own pace"]),
        ("level=1", ["Safeguarding children online"], ["Early help basics"]),
        ("month=2031-05&time=twilight", ["Online, at your own pace"], []),
    ],
)
def test_find_training_filters_modules_like_courses(client, programme, query, shown, hidden):
    page = text_of(client.get(f"/training?{query}"))
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_a_module_page_shows_its_provider_and_validity_and_no_booking(client, programme):
    page = text_of(client.get("/courses/EL1"))
    assert "Learning Pool" in page
    assert "Level 1" in page
    assert "Valid for 3 years" in page
    assert "Start this module on Learning Pool&#39;s site" in page
    assert 'href="https://elearning.example.org/courses/SC-L1"' in page
    assert 'rel="noopener noreferrer"' in page
    assert "Upcoming sessions" not in page
    assert "Tell me when there is a date" not in page
    assert "Does not expire" in text_of(client.get("/courses/EL2"))


def test_validity_in_words():
    from lms.catalogue.modules import validity_text

    assert [validity_text(m) for m in (None, 1, 12, 18, 36)] == [
        "Does not expire",
        "Valid for 1 month",
        "Valid for 1 year",
        "Valid for 18 months",
        "Valid for 3 years",
    ]


def test_the_api_gives_modules_their_provider_details(client, programme):
    listed = {
        c["code"]: c for c in client.get("/api/v1/courses?per_page=100").get_json()["courses"]
    }
    assert listed["EL1"]["module"] == {
        "provider": "Learning Pool",
        "module_code": "SC-L1",
        "course_url": "https://elearning.example.org/courses/SC-L1",
        "validity_months": 36,
    }
    assert listed["EL2"]["module"]["validity_months"] is None
    assert listed["NEG2"]["module"] is None
    modules = client.get("/api/v1/courses?delivery_mode=elearning").get_json()["courses"]
    assert sorted(c["code"] for c in modules) == ["EL1", "EL2"]


def test_the_openapi_document_describes_the_module(client):
    document = client.get("/api/v1/openapi.json").get_json()
    module = document["components"]["schemas"]["Module"]
    assert set(module["required"]) == {"provider", "module_code", "course_url", "validity_months"}
    assert "module" in document["components"]["schemas"]["Course"]["required"]


def test_listing_modules_takes_the_same_queries_for_2_or_12(app, client, make_module):
    from tests.conftest import counting_statements

    def statements() -> int:
        for path in ("/training", "/courses", "/api/v1/courses"):
            client.get(path)  # warm up
        with counting_statements(app) as seen:
            for path in ("/training", "/courses", "/api/v1/courses"):
                assert client.get(path).status_code == 200
        return len(seen)

    for _ in range(2):
        make_module()
    few = statements()
    for _ in range(10):
        make_module()
    assert statements() == few


def test_find_training_points_to_modules_when_no_session_matches(client, programme):
    page = text_of(client.get("/training?mode=elearning"))
    assert "No sessions match, but" in page
    assert "2 e-learning modules do" in page
