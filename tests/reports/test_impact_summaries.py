"""The trainers' and providers' evaluation summaries, counted on tests/reports/impact_history.py
(fewest responses 3): S1 has u1-u4 straight after (u5's attendance was corrected, u6's
response withdrawn), S2 has u7 and u8 (u8's comments: one redacted, one not)."""

from lms.accounts.models import Role, User
from lms.catalogue.models import Course
from lms.extensions import db
from lms.feedback.models import OutcomeAnswer, OutcomeMet
from lms.settings.services import current
from tests.reports.test_pages import page_cells


def outcomes(app, impact_history):
    """u1 met both outcomes, u2 one and partly the other, u3 neither: 3 of 6 met."""
    met = {"u1": ("yes", "yes"), "u2": ("yes", "partly"), "u3": ("no", "no")}
    with app.app_context():
        for person, answers in met.items():
            for position, answer in enumerate(answers, start=1):
                db.session.add(
                    OutcomeAnswer(
                        response_id=impact_history.responses[person],
                        position=position,
                        outcome=f"Outcome {position}",
                        met=OutcomeMet(answer),
                    )
                )
        db.session.commit()


def test_a_trainer_sees_the_sessions_they_delivered(app, client, login, impact_history):
    outcomes(app, impact_history)
    login(impact_history.trainer)
    page = client.get("/evaluation/summaries").get_data(as_text=True)
    rows = page_cells(page)
    assert rows[1:] == [
        [
            "Neglect L3, 10 June 2025",
            "4 of 4",
            "100.0%",
            "4.0 (4)",
            "– (0)",
            "– (0)",
            "2.8 (4)",
            "1.5 (4)",
            "50.0% (3)",
        ]
    ]
    assert "Person u1" not in page and "Alder School" not in page
    assert "Providers" not in page


def test_a_trainer_of_a_provider_sees_its_courses_sessions(
    app, client, login, make_user, make_provider, impact_history
):
    provider = make_provider("Safe Hands Training")
    with app.app_context():
        db.session.get(Course, impact_history.courses["NE3"]).provider_id = provider
        db.session.commit()
    trainer = make_user(roles=(Role.TRAINER,), agency_id=impact_history.agencies["A"])
    with app.app_context():
        db.session.get(User, trainer.id).provider_id = provider
        db.session.commit()
    login(trainer)
    rows = page_cells(client.get("/evaluation/summaries").get_data(as_text=True))
    # Two answered: every share and mean is too few; counts still shown.
    assert rows[1:] == [
        [
            "Neglect and exploitation, 15 September 2025",
            "Safe Hands Training",
            "2 of 2",
            "too few responses",
            "too few responses (2)",
            "– (0)",
            "– (0)",
            "too few responses (1)",
            "too few responses (1)",
            "– (0)",
        ]
    ]
    s2 = client.get(f"/evaluation/summaries/sessions/{impact_history.sessions['S2']}")
    assert s2.status_code == 200
    assert "Comments are shown once at least 3 people have answered" in s2.get_data(as_text=True)
    s1 = client.get(f"/evaluation/summaries/sessions/{impact_history.sessions['S1']}")
    assert s1.status_code == 403  # neither delivered by them nor their provider's


def test_a_session_page_shows_comments_without_identity_once_enough_answered(
    app, client, login, impact_history
):
    with app.app_context():
        current().fewest_responses = 2
        db.session.commit()
    login(impact_history.pdl)
    page = client.get(f"/evaluation/summaries/sessions/{impact_history.sessions['S2']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Great &lt;b&gt;day&lt;/b&gt;, thank you" in html and "<b>day</b>" not in html
    assert "Person u8" not in html and "Cedar" not in html
    assert html.count("<li>") - html.count("<li><a") >= 1
    assert "2 of 2 asked (100.0%)" in html and "4.5 (2)" in html


def test_admins_and_pdl_viewers_see_a_providers_sessions_for_a_period(
    app, client, login, make_provider, impact_history
):
    provider = make_provider("Safe Hands Training")
    with app.app_context():
        for code in ("N3", "NE3"):
            db.session.get(Course, impact_history.courses[code]).provider_id = provider
        db.session.commit()
    login(impact_history.admin)
    index = client.get("/evaluation/summaries").get_data(as_text=True)
    assert f"/evaluation/summaries/providers/{provider}" in index
    year = client.get(f"/evaluation/summaries/providers/{provider}?period=2025-26")
    rows = page_cells(year.get_data(as_text=True))
    assert [row[0] for row in rows[1:]] == [
        "Neglect and exploitation, 15 September 2025",
        "Neglect L3, 10 June 2025",
    ]
    quarter = client.get(f"/evaluation/summaries/providers/{provider}?period=2025-26 Q1")
    assert [row[0] for row in page_cells(quarter.get_data(as_text=True))[1:]] == [
        "Neglect L3, 10 June 2025"
    ]
    earlier = client.get(f"/evaluation/summaries/providers/{provider}?period=2024-25")
    # S0 (March 2025) was answered by u1 only.
    assert [row[1] for row in page_cells(earlier.get_data(as_text=True))[1:]] == ["1 of 1"]
    refused = client.get(f"/evaluation/summaries/providers/{provider}?period=soon")
    assert refused.status_code == 200 and "There is a problem" in refused.get_data(as_text=True)


def test_others_are_refused(client, login, make_user, impact_history):
    session = impact_history.sessions["S1"]
    practitioner = make_user(agency_id=impact_history.agencies["A"])
    login(practitioner)
    assert client.get("/evaluation/summaries").status_code == 403
    assert client.get(f"/evaluation/summaries/sessions/{session}").status_code == 403


def test_another_trainer_sees_only_their_own(client, login, make_user, impact_history):
    session = impact_history.sessions["S1"]
    other_trainer = make_user(roles=(Role.TRAINER,), agency_id=impact_history.agencies["A"])
    login(other_trainer)
    index = client.get("/evaluation/summaries").get_data(as_text=True)
    assert "None of your sessions has evaluation yet" in index
    assert client.get(f"/evaluation/summaries/sessions/{session}").status_code == 403
    assert client.get("/evaluation/summaries/providers/1").status_code == 403
