"""A chart's CSV download, read back as Excel would."""

from __future__ import annotations

import csv
import io

import pytest

from app.engagement.charts import Chart, Series


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_chart_csv_neutralises_a_label_a_spreadsheet_would_run(prefix):
    label = f"{prefix}cmd|' /C calc'!A0"
    chart = Chart("teams", "Hours", "bar", "Team", [label], [Series("Hours", [-3])])

    rows = list(csv.reader(io.StringIO(chart.csv_bytes().decode("utf-8-sig"))))

    assert rows == [["Team", "Hours"], ["'" + label, "-3"]]  # numbers stay numbers
