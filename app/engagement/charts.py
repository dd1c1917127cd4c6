"""A chart as data: what the page draws (Chart.js), the table under it and the CSV
download all come from one `Chart`, so they cannot disagree."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask import Response

CHART_KINDS = ("bar", "stacked", "line", "doughnut")


@dataclass
class Series:
    label: str
    values: list[float | int]


@dataclass
class Chart:
    id: str  # stable, used in URLs: "weekly-activity"
    title: str
    kind: str  # one of CHART_KINDS
    label_title: str  # the heading of the labels column ("Week", "College")
    labels: list[str]
    series: list[Series] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(s.values) for s in self.series)

    def rows(self) -> list[list[Any]]:
        return [[label, *(s.values[i] for s in self.series)] for i, label in enumerate(self.labels)]

    def header(self) -> list[str]:
        return [str(self.label_title), *(str(s.label) for s in self.series)]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": str(self.title),
            "labels": [str(label) for label in self.labels],
            "series": [{"label": str(s.label), "values": list(s.values)} for s in self.series],
        }

    def csv_response(self, filename: str | None = None) -> Response:
        """The CSV as a download named after the chart."""
        return Response(
            self.csv_bytes(),
            content_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename or self.id + ".csv"}"'
            },
        )

    def csv_bytes(self) -> bytes:
        """UTF-8 with a BOM, so Excel opens the Chinese headers correctly."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.header())
        for row in self.rows():
            writer.writerow([_cell(value) for value in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> str:
    text = str(value)
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text  # a label is never read as a formula
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
