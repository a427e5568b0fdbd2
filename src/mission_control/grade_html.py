"""``report.html`` of ``mission grade``: submissions × checkpoints in one page.

The page works from a file on a laptop with no network (its style and its small sorting
script are inline), and without sight or colour: a real ``<table>`` with a caption and
header cells with ``scope``, every status written as a word (colour only repeats it), and
sorting by buttons in the column headers that announce their order with ``aria-sort``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from mission_control.check.formats import graded, score

if TYPE_CHECKING:
    from mission_control.catalog import Lesson
    from mission_control.grade import Graded

SYMBOL = {"passed": "✔ passed", "failed": "✘ failed", "skipped": "– skipped", "error": "! error"}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #111; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #eee; position: sticky; top: 0; }
th button { font: inherit; font-weight: bold; background: none; border: 0; cursor: pointer; }
td.passed { background: #e3f5e1; } td.failed { background: #fde2e1; }
td.error { background: #fff3c4; } td.skipped { background: #f1f1f1; }
caption { text-align: left; font-weight: bold; margin-bottom: .5rem; }
"""

# Sorting without a network: numbers compare as numbers, everything else as text.
SCRIPT = """
document.querySelectorAll("th button[data-column]").forEach(function (button) {
  button.addEventListener("click", function () {
    var th = button.parentElement, table = th.closest("table"), body = table.tBodies[0];
    var column = Number(button.dataset.column);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.sort || a.cells[column].textContent;
      var y = b.cells[column].dataset.sort || b.cells[column].textContent;
      var nx = Number(x), ny = Number(y);
      var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def report_html(lesson: Lesson, items: Sequence[Graded]) -> str:
    """The whole page."""
    columns: list[tuple[str, str]] = []
    for item in items:
        for result in item.report.results:
            if (result.id, result.title) not in columns:
                columns.append((result.id, result.title))
    head = ["Submission", "Points", "Problem"] + [title or cid for cid, title in columns]
    header = "".join(
        f'<th scope="col"><button type="button" data-column="{number}">{escape(text)}</button></th>'
        for number, text in enumerate(head)
    )
    body = []
    for item in items:
        rows = {row.id: row for row in graded(item.report, lesson)}
        earned, possible = score(list(rows.values()))
        problem = item.report.error.kind.headline if item.report.error else ""
        cells = [
            f'<th scope="row">{escape(item.submission.name)}</th>',
            f'<td data-sort="{earned}">{earned}/{possible}</td>',
            f"<td>{escape(problem)}</td>",
        ]
        for cid, _ in columns:
            row = rows.get(cid)
            if row is None:
                cells.append("<td>not run</td>")
                continue
            first = row.feedback.split("\n", 1)[0]
            cells.append(
                f'<td class="{row.outcome}" title="{escape(first)}">'
                f"{escape(SYMBOL[row.outcome])}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    title = f"{lesson.id} · {lesson.title}: grades"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p>{len(items)} submissions. Sort by any column with its header button. Hover a status for
the first line of its feedback; every submission's full report is in <code>reports/</code>.</p>
<table>
<caption>{escape(lesson.id)}: each submission's result for each checkpoint</caption>
<thead><tr>{header}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""
