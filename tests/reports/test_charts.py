"""Charts drawn on the server: valid SVG with a text alternative, bars to scale, text escaped."""

import re
import xml.etree.ElementTree as ET

from markupsafe import Markup

from lms.reports import charts
from lms.reports.tables import Chart

NS = {"svg": "http://www.w3.org/2000/svg"}
PROGRAMME = Chart(
    "Places offered, booked and attended by delivery mode",
    ("Places offered", "Booked", "Attended"),
    [("Face to face", (400, 313, 263)), ("Virtual (live online)", (1200, 950, 800))],
)


def parse(markup: Markup) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:rect[@class='chart-bar']", NS)


def texts(root: ET.Element) -> list[str]:
    return [text.text for text in root.findall("svg:text", NS)]


def height(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[3])


def test_chart_is_an_accessible_image_with_a_full_text_alternative():
    markup = charts.svg(PROGRAMME, id="programme-chart")
    root = parse(markup)

    assert isinstance(markup, Markup)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "programme-chart-title programme-chart-desc"
    assert root.get("width") == "100%"
    title = root.find("svg:title", NS)
    assert title.get("id") == "programme-chart-title"
    assert title.text == "Places offered, booked and attended by delivery mode"
    desc = root.find("svg:desc", NS)
    assert desc.get("id") == "programme-chart-desc"
    assert desc.text == (
        "Face to face: Places offered 400, Booked 313, Attended 263. "
        "Virtual (live online): Places offered 1,200, Booked 950, Attended 800."
    )


def test_chart_has_no_script_or_inline_style():
    markup = str(charts.svg(PROGRAMME, id="c"))
    root = parse(charts.svg(PROGRAMME, id="c"))

    assert "<script" not in markup and "<style" not in markup
    assert all(element.get("style") is None for element in root.iter())
    assert not [name for element in root.iter() for name in element.attrib if name.startswith("on")]


def test_one_bar_per_value_scaled_to_the_largest_and_labelled_at_its_end():
    root = parse(charts.svg(PROGRAMME, id="c"))

    found = bars(root)
    assert len(found) == 6
    widths = [float(bar.get("width")) for bar in found]
    longest = max(widths)
    assert widths[3] == longest  # 1,200 is the largest value
    assert widths[0] == round(longest * 400 / 1200, 1)
    assert widths[5] == round(longest * 800 / 1200, 1)
    assert [bar.get("fill") for bar in found[:3]] == ["#1d70b8", "#f47738", "#00703c"]
    assert found[3].find("svg:title", NS).text == "Virtual (live online), Places offered: 1,200"
    shown = texts(root)
    for value in ["400", "313", "263", "1,200", "950", "800"]:
        assert value in shown
    assert "Face to face" in shown
    assert "Places offered" in shown  # the legend, as there are three series


def test_a_single_series_has_no_legend():
    chart = Chart("Sessions by sectors", ("Sessions",), [("5 sectors", (1,)), ("6 sectors", (3,))])
    root = parse(charts.svg(chart, id="c"))

    assert len(root.findall(".//svg:rect", NS)) == len(bars(root)) == 2
    assert "Sessions" not in texts(root)


def test_legend_has_a_key_per_series():
    root = parse(charts.svg(PROGRAMME, id="c"))

    keys = [rect for rect in root.findall("svg:rect", NS) if rect.get("class") != "chart-bar"]
    assert [key.get("fill") for key in keys] == ["#1d70b8", "#f47738", "#00703c"]


def test_rates_are_shown_with_a_percent_sign():
    chart = Chart("Rates", ("2024-25", "2025-26"), [("Fill rate", (62.5, 78.8))], unit="%")
    root = parse(charts.svg(chart, id="c"))

    assert {"62.5%", "78.8%"} <= set(texts(root))
    assert root.find("svg:desc", NS).text == "Fill rate: 2024-25 62.5%, 2025-26 78.8%."


def test_labels_are_escaped_and_long_ones_wrapped():
    name = "Smith & Jones <Child & Family Services> Partnership"
    chart = Chart("Agencies & <sectors>", ("Booked",), [(name, (12,))])
    markup = str(charts.svg(chart, id="c"))
    root = parse(markup)

    assert "Smith &amp; Jones &lt;Child" in markup
    assert "<Child" not in markup
    assert root.find("svg:title", NS).text == "Agencies & <sectors>"
    assert texts(root)[:2] == ["Smith & Jones <Child &", "Family Services> Partnership"]
    assert root.find("svg:desc", NS).text == f"{name}: Booked 12."


def test_the_id_is_escaped_too():
    root = parse(charts.svg(PROGRAMME, id='x"><script>'))

    assert root.find("svg:title", NS).get("id") == 'x"><script>-title'


def test_all_zero_values_draw_empty_bars():
    chart = Chart("Nothing yet", ("A", "B"), [("One", (0, 0)), ("Two", (0, 0))])
    root = parse(charts.svg(chart, id="c"))

    assert [bar.get("width") for bar in bars(root)] == ["0"] * 4
    assert texts(root).count("0") == 4
    assert root.find("svg:desc", NS).text == "One: A 0, B 0. Two: A 0, B 0."


def test_an_empty_chart_says_so():
    root = parse(charts.svg(Chart("Unmet demand", ("Waiting", "Interest"), []), id="c"))

    assert bars(root) == []
    assert texts(root) == ["No figures to chart"]
    assert root.find("svg:title", NS).text == "Unmet demand"
    assert root.find("svg:desc", NS).text == "No figures to chart."


def test_the_note_is_part_of_the_description():
    chart = Chart("Top agencies", ("Booked",), [("Cafcass", (3,))], note="The 20 largest")

    assert parse(charts.svg(chart, id="c")).find("svg:desc", NS).text == (
        "Cafcass: Booked 3. The 20 largest."
    )


def test_height_grows_with_the_groups_and_output_is_deterministic():
    two = Chart("T", ("A",), [("a", (1,)), ("b", (2,))])
    four = Chart("T", ("A",), [("a", (1,)), ("b", (2,)), ("c", (3,)), ("d", (4,))])

    assert height(parse(charts.svg(four, id="c"))) > height(parse(charts.svg(two, id="c")))
    assert charts.svg(PROGRAMME, id="c") == charts.svg(PROGRAMME, id="c")
    assert re.fullmatch(r"0 0 \d+ [\d.]+", parse(charts.svg(two, id="c")).get("viewBox"))


def test_a_long_trend_label_wraps_whole_within_its_group():
    measures = ["Sessions run", "People still waiting when sessions started", "Booked"]
    chart = Chart(
        "The last three financial years side by side",
        ("2023-24", "2024-25", "2025-26"),
        [(measure, (3, 5, 8)) for measure in measures],
    )
    root = parse(charts.svg(chart, id="c"))
    labels = [
        (float(text.get("y")), text.text)
        for text in root.findall("svg:text", NS)
        if text.get("text-anchor") == "end"
    ]
    assert [line for _, line in labels] == [
        "Sessions run",
        "People still waiting when",
        "sessions started",
        "Booked",
    ]
    assert not any("…" in line for _, line in labels)
    for _, line in labels:  # each line fits left of the bars, at a generous width per letter
        assert len(line) * charts.CHAR_WIDTH <= charts.LABEL_WIDTH - 10
    tops = sorted({float(bar.get("y")) for bar in bars(root)})
    first_bar = [top for top in tops if top > labels[0][0]][0]
    wrapped = [y for y, line in labels if line.startswith(("People", "sessions"))]
    assert first_bar <= wrapped[0] < wrapped[1] < labels[-1][0] - charts.LINE_HEIGHT
    assert labels[-1][0] < height(root)


def test_a_word_longer_than_a_line_is_broken_not_cut():
    assert charts.wrap("x" * 30, 28) == ["x" * 28, "xx"]
    assert charts.wrap("Cafcass") == ["Cafcass"]
    assert charts.wrap("") == [""]
