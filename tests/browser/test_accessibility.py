"""Every role's pages, and each form in its error state, in a real browser on the demo data.

axe-core checks every page these tests load (tests/browser/axe.py); the tests here make sure the
pages are the ones people use: each navigation item of each role, the key pages under them, and
each form submitted empty or with bad input. The demo partnership is loaded once for the module.
The layout checks at the end measure what a phone or a laptop shows.
"""

import re
from contextlib import contextmanager

import pytest

from lms.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PRACTITIONER = "practitioner@alderroad.sch.example"
TRAINER = "trainer@riverside-council.example"
COORDINATOR = "coordinator@ruh.nhs.example"
PDL_VIEWER = "pdl@riverside-ccg.nhs.example"
ADMIN = "admin@riverside-council.example"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@contextmanager
def browsing(browser, base: str, email: str | None = None, **options):
    """A page in a browser of its own, signed in as `email` when given."""
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: (
                page.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        if email:
            page.goto(f"{base}/sign-in")
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            assert page.url == f"{base}/", f"{email} could not sign in"
        yield page
        assert page.console_errors == []
    finally:
        context.close()


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.ok, f"{url} answered {response.status}"
    assert page.locator("h1").count() == 1, url


def navigation(page) -> list[str]:
    """The service navigation's links, as paths."""
    return page.locator(".govuk-service-navigation__list a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )


def visit_navigation(page, base: str) -> None:
    for path in navigation(page):
        visit(page, base + path)


def links(page, pattern: str) -> list[str]:
    """The paths of the links in the main content that match `pattern`."""
    paths = page.locator("main a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [path for path in paths if re.fullmatch(pattern, path)]


def table_links(page, heading: str, *patterns: str) -> list[str]:
    """The first link matching each pattern in the table under a heading."""
    table = page.locator("h2", has_text=heading).locator("xpath=following-sibling::table[1]")
    paths = table.locator("a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [next(path for path in paths if re.fullmatch(pattern, path)) for pattern in patterns]


def submit(page, button: str) -> str:
    """Press a form's button and return the problem the page then shows."""
    return press(page, page.get_by_role("button", name=button, exact=True).first)


def submit_the_form(page) -> str:
    """Submit the page's one form that changes something and return the problem shown."""
    form = page.locator("main form[method=post]")
    assert form.count() == 1, f"{page.url} has {form.count()} forms that post"
    return press(page, form.locator("[type=submit]").first)


def press(page, button) -> str:
    with page.expect_navigation():
        button.click()
    problem = page.locator(
        ".govuk-error-summary, .govuk-notification-banner:not(.govuk-notification-banner--success)"
    )
    assert problem.count() >= 1, f"no error shown at {page.url}"
    return problem.first.inner_text()


def test_a_visitor_s_pages_and_forms(browser, demo_site):
    with browsing(browser, demo_site) as page:
        visit(page, f"{demo_site}/")
        for path in navigation(page):
            visit(page, demo_site + path)
        visit(page, f"{demo_site}/courses")
        visit(page, demo_site + links(page, r"/courses/[^/?]+")[0])
        visit(page, f"{demo_site}/training")
        visit(page, demo_site + links(page, r"/sessions/\d+")[0])
        visit(page, f"{demo_site}/accessibility")
        visit(page, f"{demo_site}/privacy")

        visit(page, f"{demo_site}/sign-in")
        assert "Enter your email address" in submit(page, "Sign in")
        page.get_by_label("Email address").fill("nobody@example.org")
        page.get_by_label("Password", exact=True).fill("not the password")
        submit(page, "Sign in")
        visit(page, f"{demo_site}/register")
        submit(page, "Create account")
        visit(page, f"{demo_site}/password/forgotten")
        submit(page, "Send reset link")
        visit(page, f"{demo_site}/register/agency-not-listed")
        assert "Enter the name of your agency" in submit(page, "Send request")
        page.get_by_label("Name of your agency").fill("Little Acorns Nursery")
        page.get_by_label("Early years").check()
        page.get_by_label("Your full name").fill("Amal Haddad")
        page.get_by_label("Your work email address").fill("amal@littleacorns.example")
        with page.expect_navigation():
            page.get_by_role("button", name="Send request").click()
        assert "We have your request" in page.locator("h1").inner_text()
        assert page.goto(f"{demo_site}/confirm-email/not-a-link").status == 410
        page.console_errors.clear()  # the browser logs the 410 itself

        # The page for a mistyped address is checked too.
        assert page.goto(f"{demo_site}/sessions/99999").status == 404
        page.console_errors.clear()  # the browser logs the 404 itself


def test_a_practitioner_s_pages_booking_and_account(browser, demo_site):
    with browsing(browser, demo_site, PRACTITIONER) as page:
        visit_navigation(page, demo_site)
        visit(page, f"{demo_site}/training?places=y")
        for path in links(page, r"/sessions/\d+"):
            visit(page, demo_site + path)
            book = page.get_by_role("button", name="Book a place", exact=True)
            if book.count():
                with page.expect_navigation():
                    book.click()
                break
        assert "You have a place" in page.locator(".govuk-notification-banner").inner_text()

        visit(page, f"{demo_site}/my-training")
        visit(page, demo_site + links(page, r"/bookings/\d+/cancel")[0])
        submit_the_form(page)
        visit(page, f"{demo_site}/my-training")
        visit(page, demo_site + links(page, r"/bookings/\d+/substitute")[0])
        submit_the_form(page)

        visit(page, f"{demo_site}/account")
        page.locator("#name").fill("")
        submit(page, "Save changes")
        visit(page, f"{demo_site}/account/password")
        submit(page, "Change password")
        visit(page, f"{demo_site}/account/email")
        assert "Enter your new email address" in submit(page, "Send a confirmation link")


def test_a_trainer_s_sessions_and_registers(browser, demo_site):
    with browsing(browser, demo_site, TRAINER) as page:
        visit_navigation(page, demo_site)
        visit(page, f"{demo_site}/trainer/sessions")
        register, bookings = table_links(page, "Past", r"/registers/\d+", r"/sessions/\d+/bookings")
        (upcoming,) = table_links(page, "Coming up", r"/registers/\d+")
        visit(page, demo_site + register)
        assert page.locator("h1").inner_text().startswith("Register:")
        visit(page, demo_site + bookings)
        visit(page, demo_site + upcoming)
        extras = links(page, r"/registers/\d+/(check-in|import)")
        assert extras, "an upcoming register offers neither a check-in code nor an import"
        for path in extras:
            visit(page, demo_site + path)
            if path.endswith("/import"):
                submit(page, "Upload and check")


def test_a_coordinator_s_agency_pages_charges_and_reports(browser, demo_site):
    with browsing(browser, demo_site, COORDINATOR) as page:
        visit_navigation(page, demo_site)
        visit(page, f"{demo_site}/agency/bookings")
        visit(page, demo_site + links(page, r"/bookings/\d+/decline")[0])
        submit(page, "Decline the booking")
        visit(page, f"{demo_site}/join-requests")
        visit(page, f"{demo_site}/agency/staff")
        visit(page, demo_site + links(page, r"/agency/staff/\d+")[0])
        page.locator("#name").fill("")
        submit_the_form(page)

        visit(page, f"{demo_site}/agency/charges")
        disputes = page.locator("main form[action$='/dispute']")
        assert disputes.count() >= 1, "the demo coordinator has no charge to dispute"
        assert "reason" in press(page, disputes.first.locator("button[type=submit]"))

        visit(page, f"{demo_site}/reports")
        for path in links(page, r"/reports/[a-z-]+"):
            visit(page, demo_site + path)
        visit(page, f"{demo_site}/training")
        visit(page, demo_site + links(page, r"/sessions/\d+")[0])


def test_a_pdl_viewer_s_reports_and_their_filters(browser, demo_site):
    with browsing(browser, demo_site, PDL_VIEWER) as page:
        visit_navigation(page, demo_site)
        visit(page, f"{demo_site}/reports")
        for path in links(page, r"/reports/[a-z-]+|/registrations"):
            visit(page, demo_site + path)
            assert page.locator("main table, main .govuk-body").count() >= 1

        visit(page, f"{demo_site}/reports/attendance-by-agency")
        page.get_by_text("Change the period and filters").click()
        start = page.get_by_role("group", name="From", exact=True)
        start.get_by_label("Day").fill("31")
        start.get_by_label("Month").fill("2")
        start.get_by_label("Year").fill("2025")
        submit(page, "Show the figures")

        visit(page, f"{demo_site}/account")
        submit(page, "Create token")


def test_an_admin_s_programme_agencies_and_people(browser, demo_site):
    with browsing(browser, demo_site, ADMIN) as page:
        visit_navigation(page, demo_site)

        visit(page, f"{demo_site}/admin/courses")
        for path in links(page, r"/admin/[a-z-]+"):
            visit(page, demo_site + path)
            if path == "/admin/settings":
                page.locator("main input[type=text]").first.fill("")
                submit_the_form(page)
        visit(page, f"{demo_site}/admin/courses")
        visit(page, demo_site + links(page, r"/admin/courses/\d+")[0])
        visit(page, f"{demo_site}/admin/courses/new")
        submit(page, "Save course")

        visit(page, f"{demo_site}/admin/sessions")
        session = links(page, r"/admin/sessions/\d+")[0]
        visit(page, demo_site + session)
        for path in links(page, r"/admin/sessions/\d+/(copy|cancel)|/sessions/\d+/bookings"):
            visit(page, demo_site + path)
            if path.endswith("/bookings"):
                press(page, page.locator("main form[action$='/add'] [type=submit]"))
        visit(page, f"{demo_site}/admin/sessions/new")
        day = page.get_by_role("group", name="Day 1", exact=True)
        day.get_by_label("Day").fill("31")
        day.get_by_label("Month").fill("2")
        day.get_by_label("Year").fill("2027")
        page.get_by_label("Starts (for example 09:30)").first.fill("9.30am")
        submit(page, "Save session")

        visit(page, f"{demo_site}/admin/reference")
        for path in links(page, r"/admin/[a-z-]+/new"):
            visit(page, demo_site + path)
            submit(page, "Save")

        visit(page, f"{demo_site}/admin/agencies")
        visit(page, demo_site + links(page, r"/admin/agencies/\d+")[0])
        visit(page, f"{demo_site}/admin/agencies/new")
        submit(page, "Save agency")
        visit(page, f"{demo_site}/join-requests")
        visit(page, f"{demo_site}/agency-requests")
        asked = links(page, r"/admin/agencies/new\?request=\d+")
        assert asked, "the visitor's request to add an agency is not listed"
        visit(page, demo_site + asked[0])
        assert page.get_by_label("Agency name").input_value() == "Little Acorns Nursery"

        visit(page, f"{demo_site}/admin/charges?status=disputed")
        decisions = page.locator("main form[action*='/waive']")
        assert decisions.count() >= 1, "the demo has no disputed charge to decide"
        assert "reason" in press(page, decisions.first.locator("button[type=submit]").first)

        visit(page, f"{demo_site}/admin/users")
        visit(page, demo_site + links(page, r"/admin/users/\d+")[0])
        visit(page, f"{demo_site}/admin/users/new")
        submit(page, "Save")


# Layout --------------------------------------------------------------------------------------

SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


def test_registers_and_charges_do_not_scroll_sideways_on_a_phone(browser, demo_site):
    overflow = {}
    with browsing(browser, demo_site, TRAINER, viewport=PHONE) as page:
        visit(page, f"{demo_site}/trainer/sessions")
        (register,) = table_links(page, "Past", r"/registers/\d+")
        visit(page, demo_site + register)
        overflow["trainer: register"] = page.evaluate(SIDEWAYS)
    with browsing(browser, demo_site, COORDINATOR, viewport=PHONE) as page:
        visit(page, f"{demo_site}/agency/charges")
        overflow["coordinator: charges"] = page.evaluate(SIDEWAYS)
    with browsing(browser, demo_site, ADMIN, viewport=PHONE) as page:
        visit(page, f"{demo_site}/admin/charges")
        overflow["admin: charges"] = page.evaluate(SIDEWAYS)
    wider = {page: pixels for page, pixels in overflow.items() if pixels > 0}
    assert wider == {}, f"wider than a 390-pixel phone, by pixels: {wider}"


@pytest.mark.parametrize("email", [COORDINATOR, ADMIN])
def test_the_service_navigation_is_one_row_on_a_laptop(browser, demo_site, email):
    with browsing(browser, demo_site, email, viewport=LAPTOP) as page:
        rows = page.locator(".govuk-service-navigation__item").evaluate_all(
            "items => items.map(item => [item.innerText.trim(), item.offsetTop])"
        )
    tops = {top for _text, top in rows}
    assert len(tops) == 1, f"the navigation wraps at 1280 pixels: {rows}"


# E-learning ------------------------------------------------------------------------------------


def test_e_learning_a_practitioner_s_renewals_and_declared_training(browser, demo_site, tmp_path):
    with browsing(browser, demo_site, PRACTITIONER) as page:
        visit(page, f"{demo_site}/my-training")
        assert page.get_by_role("heading", name="E-learning").count() == 1
        assert page.get_by_text("Due for renewal").count() >= 1
        visit(page, f"{demo_site}/courses?q=SGC-L1")
        visit(page, demo_site + links(page, r"/courses/[^/?]+")[0])
        assert page.get_by_text("Online, at your own pace").count() >= 1
        visit(page, f"{demo_site}/my-training/declarations")
        visit(page, f"{demo_site}/my-training/declarations/new")
        submit(page, "Send for checking")
        page.get_by_label("Training outside the partnership").check()
        page.get_by_label("Title of the training").fill("Safer recruitment in education")
        submit(page, "Send for checking")


def test_e_learning_a_coordinator_s_renewals_and_training_to_verify(browser, demo_site):
    with browsing(browser, demo_site, COORDINATOR) as page:
        visit(page, f"{demo_site}/agency/renewals")
        assert page.locator("main table").count() >= 1
        visit(page, f"{demo_site}/agency/declarations")
        visit(page, demo_site + links(page, r"/declarations/\d+")[0])
        assert "why the declaration is rejected" in submit(page, "Reject")


def test_e_learning_an_admin_imports_a_file_and_manages_the_queues(browser, demo_site, tmp_path):
    report = tmp_path / "completions.csv"
    report.write_text(
        "Email Address,Learner Name,Course Code,Completion Date,Status,Score (%),Organisation\n"
        f"{PRACTITIONER},Demo Practitioner,SGC-L1,03/02/2026,Completed,90,Alder Road\n"
        "someone.new@example.org,Someone New,SGC-L1,04/02/2026,Completed,80,Elsewhere\n"
        f"{PRACTITIONER},Demo Practitioner,NO-SUCH,05/02/2026,Completed,70,Alder Road\n"
        f"{PRACTITIONER},Demo Practitioner,SGA-L1,06/02/2026,In Progress,,Alder Road\n",
        encoding="utf-8",
    )
    with browsing(browser, demo_site, ADMIN) as page:
        visit(page, f"{demo_site}/admin/elearning/imports")
        visit(page, f"{demo_site}/admin/elearning/imports/new")
        submit(page, "Upload and choose the columns")
        page.get_by_label("Provider").select_option(label="Safeguarding E-learning Ltd")
        page.locator("#file").set_input_files(str(report))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload and choose the columns").click()
        assert page.locator("h1").count() == 1
        with page.expect_navigation():
            page.get_by_role("button", name="Preview the import").click()
        assert page.get_by_text("No e-learning module of this provider has this code").count() >= 1
        with page.expect_navigation():
            page.get_by_role("button", name="Import every row").click()
        summary = page.locator("main").inner_text()
        assert "Rows read" in summary or "rows read" in summary
        undo = links(page, r"/admin/elearning/imports/\d+/undo")
        visit(page, demo_site + undo[0])

        visit(page, f"{demo_site}/admin/unmatched")
        visit(page, demo_site + links(page, r"/admin/unmatched/\d+")[0])
        visit(page, demo_site + links(page, r"/admin/unmatched/\d+/dismiss")[0])
        submit(page, "Dismiss the completion")

        visit(page, f"{demo_site}/admin/declarations")
        visit(page, f"{demo_site}/admin/xapi")
        visit(page, demo_site + links(page, r"/admin/providers/\d+/xapi")[0])
        submit(page, "Create credential")


def test_evaluation_an_admin_edits_questions_reads_comments_and_quotes(browser, demo_site):
    with browsing(browser, demo_site, ADMIN) as page:
        visit(page, f"{demo_site}/admin/evaluation")
        visit(page, f"{demo_site}/admin/evaluation/after")
        page.locator("input[name='questions-0-text']").fill("")
        assert "wording of question 1" in submit(page, "Save as a new version")
        visit(page, demo_site + links(page, r"/admin/evaluation/after/versions/\d+")[-1])
        visit(page, f"{demo_site}/evaluation/comments")
        assert page.get_by_text("Removed by an administrator").count() >= 1
        visit(page, demo_site + links(page, r"/evaluation/comments/\d+/redact")[0])
        assert "why the comment" in submit(page, "Remove the comment")
        visit(page, f"{demo_site}/evaluation/quotes?q=practice")
        visit(page, f"{demo_site}/evaluation/summaries")
        visit(page, demo_site + links(page, r"/evaluation/summaries/providers/\d+.*")[0])
        sessions = links(page, r"/evaluation/summaries/sessions/\d+")
        if sessions:
            visit(page, demo_site + sessions[0])


def test_evaluation_the_pdl_viewer_s_impact_report(browser, demo_site):
    with browsing(browser, demo_site, PDL_VIEWER) as page:
        visit(page, f"{demo_site}/reports/impact")
        text = page.locator("main").inner_text()
        assert "Knowledge" in text and "gained" in text
        visit(page, f"{demo_site}/reports/impact?by=theme&level=3")
        visit(page, f"{demo_site}/reports/impact?by=sector")


def test_evaluation_a_trainer_s_session_summaries(browser, demo_site):
    with browsing(browser, demo_site, TRAINER) as page:
        visit(page, f"{demo_site}/trainer/sessions")
        visit(page, f"{demo_site}/evaluation/summaries")
        sessions = links(page, r"/evaluation/summaries/sessions/\d+")
        assert sessions, "the demo trainer has no evaluated session"
        visit(page, demo_site + sessions[0])


def test_evaluation_a_practitioner_answers_straight_after_and_weeks_later(browser, demo_site):
    from tests.browser.conftest import DEMO_LINKS

    with browsing(browser, demo_site, PRACTITIONER) as page:
        visit(page, f"{demo_site}/my-training")
        assert page.get_by_role("heading", name="Evaluations to answer").count() == 1
        visit(page, demo_site + links(page, r"/feedback/\d+")[0])
        assert "Answer this question" in submit(page, "Send your answers")
    with browsing(browser, demo_site) as page:
        visit(page, f"{demo_site}/follow-up/{DEMO_LINKS['follow_up']}")
        assert "Answer this question" in submit(page, "Send your answers")
        page.get_by_role("group", name=re.compile("practice changed")).get_by_label("4").check()
        page.get_by_role("group", name=re.compile("quote")).get_by_label("No").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Send your answers").click()
        assert page.url.endswith("/follow-up/thanks")
        visit(page, f"{demo_site}/follow-up/{DEMO_LINKS['follow_up']}")
        assert "already" in page.locator("main").inner_text()


def test_certificates_a_practitioner_takes_them_and_a_new_employer_checks_them(browser, demo_site):
    from tests.browser.conftest import DEMO_LINKS

    with browsing(browser, demo_site, PRACTITIONER) as page:
        visit(page, f"{demo_site}/my-training")
        assert page.get_by_role("heading", name="Certificates").count() == 1
        pdf = page.request.get(demo_site + links(page, r"/certificates/\d+\.pdf")[0])
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        response = page.request.get(
            demo_site + links(page, r"/certificates/\d+/credential\.jwt")[0]
        )
        assert response.ok
        credential = response.text()  # read before the browser context closes
        visit(page, demo_site + links(page, r"/people/\d+/training-record$")[0])
        assert page.locator("main table").count() >= 1
    with browsing(browser, demo_site) as page:  # a new employer, not signed in
        visit(page, f"{demo_site}/verify")
        assert "Enter the code" in submit(page, "Check certificate")
        code = DEMO_LINKS["certificate"]
        page.get_by_label("Certificate code").fill(f"{code[:4].lower()} {code[4:]}")
        with page.expect_navigation():
            page.get_by_role("button", name="Check certificate").click()
        assert page.url.endswith(f"/verify/{code}")
        assert "Valid" in page.locator("main").inner_text()
        visit(page, f"{demo_site}/verify/credential")
        page.get_by_label("Credential").fill(credential)
        with page.expect_navigation():
            page.get_by_role("button", name="Check the credential").click()
        assert "This credential is genuine and stands." in page.locator("main").inner_text()


def test_certificates_a_coordinator_downloads_the_agency_s_and_reads_a_record(browser, demo_site):
    from tests.browser.conftest import DEMO_LINKS

    with browsing(browser, demo_site, COORDINATOR) as page:
        visit(page, f"{demo_site}/agency/certificates")
        with page.expect_navigation():
            page.get_by_role("button", name="Count the certificates").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the certificates").click()
        assert download.value.suggested_filename.endswith(".zip")
        visit(page, f"{demo_site}/agency/certificates/exports/{DEMO_LINKS['export']}")
        visit(page, f"{demo_site}/agency/staff")
        visit(page, demo_site + links(page, r"/agency/staff/\d+")[0])
        visit(page, demo_site + links(page, r"/people/\d+/training-record$")[0])


def test_certificates_an_admin_uploads_the_logo(browser, demo_site, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (0, 94, 165)).save(logo)
    with browsing(browser, demo_site, ADMIN) as page:
        visit(page, f"{demo_site}/admin/certificate-logo")
        assert "Choose a PNG or JPEG file" in submit(page, "Upload the logo")
        page.get_by_label("Upload a logo").set_input_files(str(logo))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload the logo").click()
        assert page.locator("main img").count() == 1
        with page.expect_navigation():
            page.get_by_role("button", name="Remove the logo").click()
        assert page.locator("main img").count() == 0


SCHOOL_COORDINATOR = "coordinator@alderroad.sch.example"
DSL_REFRESHER = "Schools: designated safeguarding lead refresher"


def test_compliance_a_school_coordinator_chases_a_lead_overdue_for_the_refresher(
    browser, demo_site
):
    with browsing(browser, demo_site, SCHOOL_COORDINATOR) as page:
        visit(page, f"{demo_site}/agency/compliance")
        assert "Select at least one person to chase" in submit(page, "Chase the people selected")
        page.get_by_label("Status").select_option("overdue")
        with page.expect_navigation():
            page.get_by_role("button", name="Show", exact=True).click()
        overdue = page.locator("main table tbody tr", has_text=DSL_REFRESHER)
        assert overdue.count() >= 1
        overdue.first.locator("input[type=checkbox]").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Chase the people selected").click()
        assert "Chased 1 person" in page.locator(".govuk-notification-banner").inner_text()
        with page.expect_download() as download:
            page.locator("main a[href*='/agency/compliance.csv']").first.click()
        assert download.value.suggested_filename.endswith(".csv")
        visit(page, f"{demo_site}/agency/staff")
        visit(page, demo_site + links(page, r"/agency/staff/\d+")[0])
        visit(page, demo_site + links(page, r"/agency/staff/\d+/role-tags")[0])
        with page.expect_navigation():
            page.get_by_role("button", name="Save roles").click()


def test_compliance_a_practitioner_sees_the_training_their_role_needs(browser, demo_site):
    with browsing(browser, demo_site, PRACTITIONER) as page:
        visit(page, f"{demo_site}/my-training")
        section = page.locator("main", has_text="Training your role needs")
        assert DSL_REFRESHER in section.inner_text()


def test_compliance_an_admin_edits_a_requirement_and_a_role(browser, demo_site):
    with browsing(browser, demo_site, ADMIN) as page:
        visit(page, f"{demo_site}/admin/requirements")
        visit(page, demo_site + links(page, r"/admin/requirements/\d+")[0])
        visit(page, f"{demo_site}/admin/requirements/new")
        assert "Enter" in submit(page, "Save requirement")
        visit(page, f"{demo_site}/admin/role-tags")
        visit(page, demo_site + links(page, r"/admin/role-tags/\d+")[0])
        visit(page, f"{demo_site}/agency/compliance")
        visit(page, f"{demo_site}/reports/compliance-by-sector")


def test_annual_pack_the_business_manager_makes_it_with_one_button(browser, demo_site):
    with browsing(browser, demo_site, ADMIN) as page:
        visit(page, f"{demo_site}/reports/annual-pack")
        with page.expect_navigation():
            page.get_by_role("button", name="Make the annual pack").click()
        assert re.search(r"/reports/annual-pack/snapshots/\d+$", page.url)
        assert page.locator("h1").inner_text().startswith("Annual report pack")
        for name in ("PDF for publication", "Workbook, exact figures"):
            with page.expect_download() as download:
                page.get_by_role("link", name=name).first.click()
            assert re.fullmatch(
                r"annual-pack-\d{4}-\d{2}-\w+\.(pdf|xlsx)", download.value.suggested_filename
            )
        visit(page, f"{demo_site}/reports/annual-pack/quotes")
    with browsing(browser, demo_site, PDL_VIEWER) as page:
        visit(page, f"{demo_site}/reports/annual-pack")
        visit(page, demo_site + links(page, r"/reports/annual-pack/snapshots/\d+")[0])


# Privacy (last: the admin erases one of the demo's people) ----------------------------------


def test_privacy_a_practitioner_reads_the_notice_and_downloads_their_data(browser, demo_site):
    with browsing(browser, demo_site, PRACTITIONER) as page:
        visit(page, f"{demo_site}/privacy")
        assert re.search(r"\d+ days", page.locator("main").inner_text())
        visit(page, f"{demo_site}/account")
        visit(page, demo_site + links(page, r"/account/data")[0])
        with page.expect_download() as download:
            page.get_by_role("button", name="Download everything held about you").click()
        assert re.fullmatch(r"subject-access-\d+-[\d-]+\.zip", download.value.suggested_filename)


def test_privacy_an_admin_answers_a_request_and_erases_a_person(browser, demo_site):
    with browsing(browser, demo_site, ADMIN) as page:
        visit(page, f"{demo_site}/admin/users?role=practitioner")
        person = links(page, r"/admin/users/\d+")[-1]
        visit(page, demo_site + person)
        name = page.locator("h1").inner_text()
        address = page.locator("#email").input_value()
        visit(page, demo_site + links(page, r"/admin/users/\d+/data")[0])
        with page.expect_download():
            page.get_by_role("button", name=f"Download everything held about {name}").click()
        visit(page, demo_site + person)
        visit(page, demo_site + links(page, r"/admin/users/\d+/erase")[0])
        page.locator("#reason").fill("Asked to be forgotten")
        assert "address" in submit(page, "Erase this person")
        page.locator("#confirm_email").fill(address)
        page.locator("#reason").fill("Asked to be forgotten")
        with page.expect_navigation():
            page.get_by_role("button", name="Erase this person").click()
        assert re.search(r"Erased person \d+", page.locator("h1").inner_text())
        assert page.locator("#erased-note").count() == 1
