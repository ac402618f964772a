"""The coordinator's compliance table: their agency's rows, counts by status, filters, the CSV
download, and who may see it."""

from lms.accounts.models import Role
from tests.compliance.agency_fixtures import school  # noqa: F401
from tests.compliance.pages_helpers import long, months_ago, valid_until


def _rows(page: str) -> list[str]:
    body = page.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    return body.split('<tr class="govuk-table__row">')[1:]


def _names(page: str) -> list[str]:
    names = []
    for row in _rows(page):
        cell = row.split('<td class="govuk-table__cell">')[2]
        names.append(cell.split("<br>")[0].strip())
    return names


def test_the_coordinator_sees_each_person_and_requirement_with_counts(
    client,
    login,
    school,  # noqa: F811
):
    login(school.coordinator)
    response = client.get("/agency/compliance")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _names(page) == [
        "Ada Compliant",
        "Ben Due",
        "Cara Overdue",
        "Cleo Coordinator",
        "Dan Never",
    ]
    counts = page.split('id="status-counts"')[1].split("</ul>")[0]
    for label, number in [("Compliant", 2), ("Due soon", 1), ("Overdue", 1), ("Never done", 1)]:
        assert f"{label}: {number}</a>" in counts
    ben = next(row for row in _rows(page) if "Ben Due" in row)
    day = months_ago(23)
    assert "Deputy head" in ben and "School staff refresher" in ben and "Due soon" in ben
    assert long(valid_until(day, 24)) in ben and f"DSL refresher, {long(day)}" in ben
    assert "Never</td>" in ben  # not chased yet
    # Only the rows not compliant can be chased.
    assert f'value="{school.due.id}-{school.requirement}"' in ben
    ada = next(row for row in _rows(page) if "Ada Compliant" in row)
    assert 'type="checkbox"' not in ada


def test_filters_by_status_and_requirement(client, login, school, make_requirement):  # noqa: F811
    other = make_requirement("Everyone in schools: induction", sectors=["education"])
    login(school.coordinator)

    page = client.get("/agency/compliance?status=overdue").get_data(as_text=True)
    assert _names(page) == ["Cara Overdue"]

    page = client.get(f"/agency/compliance?requirement={other}").get_data(as_text=True)
    assert len(_rows(page)) == 5
    assert all("Never done" in row for row in _rows(page))
    counts = page.split('id="status-counts"')[1].split("</ul>")[0]
    assert "Never done: 5</a>" in counts and "Compliant: 0</a>" in counts

    page = client.get(f"/agency/compliance?status=never&requirement={school.requirement}").get_data(
        as_text=True
    )
    assert _names(page) == ["Dan Never"]


def test_unknown_filter_values_are_refused_with_a_message(client, login, school):  # noqa: F811
    login(school.coordinator)
    for query in ("status=lapsed", "requirement=999999", "requirement=abc"):
        response = client.get(f"/agency/compliance?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "There is a problem" in page
        assert "Select the status from the list" in page or (
            "Select the requirement from the list" in page
        )
        assert len(_rows(page)) == 5  # the filter refused is not applied


def test_the_csv_has_the_same_rows_as_the_filtered_table(client, login, school):  # noqa: F811
    login(school.coordinator)
    response = client.get("/agency/compliance.csv?status=due")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Name,Email,Job title,Requirement,Status,Valid until,Evidence,Last chased"
    assert len(lines) == 2
    day = months_ago(23)
    assert lines[1].startswith("Ben Due,")
    assert f"School staff refresher,Due soon,{long(valid_until(day, 24))}," in lines[1]

    everyone = client.get("/agency/compliance.csv").get_data(as_text=True)
    assert len(everyone.lstrip("\ufeff").splitlines()) == 6
    # A refused filter goes back to the page, which says why.
    refused = client.get("/agency/compliance.csv?status=lapsed")
    assert refused.status_code == 302 and "/agency/compliance?status=lapsed" in refused.location


def test_a_name_that_looks_like_a_formula_is_made_safe_in_the_csv(
    client,
    login,
    make_user,
    school,  # noqa: F811
):
    make_user(name="=HYPERLINK(1)", agency_id=school.agency)
    login(school.coordinator)
    text = client.get("/agency/compliance.csv?status=never").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_an_admin_chooses_the_agency(client, login, make_user, school):  # noqa: F811
    login(make_user(roles=(Role.ADMIN,)))
    page = client.get("/agency/compliance").get_data(as_text=True)
    assert 'id="choose-agency"' in page and "govuk-table__body" not in page
    page = client.get(f"/agency/compliance?agency={school.agency}").get_data(as_text=True)
    assert len(_rows(page)) == 5 and "Riverside Primary" in page
    refused = client.get("/agency/compliance?agency=999999")
    assert refused.status_code == 200 and "Select the agency from the list" in refused.get_data(
        as_text=True
    )
    assert client.get("/agency/compliance.csv").status_code == 302
    assert client.get(f"/agency/compliance.csv?agency={school.agency}").status_code == 200


def test_another_agencys_coordinator_sees_only_their_own_agency(
    client,
    login,
    make_user,
    make_agency,
    school,  # noqa: F811
):
    login(make_user(roles=(Role.COORDINATOR,), agency_id=make_agency("Elsewhere")))
    page = client.get(f"/agency/compliance?agency={school.agency}").get_data(as_text=True)
    assert "Ben Due" not in page and "Riverside Primary" not in page
    text = client.get(f"/agency/compliance.csv?agency={school.agency}").get_data(as_text=True)
    assert "Ben Due" not in text


def test_practitioners_are_refused(client, login, school):  # noqa: F811
    login(school.due)
    assert client.get("/agency/compliance").status_code == 403
    assert client.get("/agency/compliance.csv").status_code == 403


def test_the_agency_navigation_links_to_the_table(client, login, school):  # noqa: F811
    login(school.coordinator)
    page = client.get("/agency/compliance").get_data(as_text=True)
    assert 'href="/agency/compliance" aria-current="page"' in page


def test_no_chase_button_when_everyone_listed_is_compliant(client, login, school):  # noqa: F811
    login(school.coordinator)
    page = client.get("/agency/compliance?status=compliant").get_data(as_text=True)
    assert len(_rows(page)) == 2
    assert "Chase the people selected" not in page and "there is no one to chase" in page
    page = client.get("/agency/compliance").get_data(as_text=True)
    assert "Chase the people selected" in page
