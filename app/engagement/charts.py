"""A chart as data: what the page draws (Chart.js), the table under it and the CSV
download all come from one `Chart`, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response

from app.common.tables import download, write_table

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
        return download(self.csv_bytes(), filename or self.id + ".csv", "text/csv; charset=utf-8")

    def csv_bytes(self) -> bytes:
        """UTF-8 with a BOM, so Excel opens the Chinese headers correctly."""
        rows = ([str(label), *values] for label, *values in self.rows())
        return write_table(self.header(), rows)
