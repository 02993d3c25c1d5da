"""The specs the dashboard caches and sends with `st.vega_lite_chart` are the ones `st.altair_chart` would send:
the same Vega-Lite and the same rows, only the datasets' names differ (and the schema check is skipped)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

# Streamlit's own conversion, private but the reference: the cached spec must match what it sends.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from dashboard import charts, data
from tests.unit.test_chart_accessibility import every_chart


def comparable(spec: dict) -> tuple[str, list[list[dict]]]:
    """The spec's JSON with datasets renamed in order of first use, and each dataset's rows."""
    datasets = spec.pop("datasets")
    text = json.dumps(spec, sort_keys=True, default=str)
    names = sorted(datasets, key=text.index)
    for position, name in enumerate(names):
        text = text.replace(name, f"dataset_{position}")
    return text, [pa.ipc.open_stream(datasets[name]).read_all().to_pylist() for name in names]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_chart_is_sent_as_streamlit_would_send_it(theme):
    palette = charts.palette_for(theme)
    built_twice = zip(every_chart(palette), every_chart(palette), strict=True)
    for (name, chart), (_, same_chart) in built_twice:
        assert comparable(data.vega_lite_spec(chart)) == comparable(_convert_altair_to_vega_lite_spec(same_chart)), name
