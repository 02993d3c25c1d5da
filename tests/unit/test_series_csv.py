"""`newstally series` writes its CSV without pandas: the same bytes pandas' `to_csv` gave."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from newstally.output import write_columns_csv

COLUMNS = {
    "bucket_start": np.array(["2018-07-16", "2018-07-17"], dtype=object),
    "source": np.array(['Times, "Evening"', "Plain"], dtype=object),
    "articles": np.array([3, 0], dtype="int64"),
    "share": np.array([0.000001, 1 / 3], dtype="float64"),
    "total_articles": np.array([1500000.0, 0.5], dtype="float64"),
    "complete": np.array([True, False]),
}


def test_columns_are_written_as_pandas_wrote_the_frame():
    written = io.StringIO()
    write_columns_csv(COLUMNS, written)
    assert written.getvalue() == (
        "bucket_start,source,articles,share,total_articles,complete\n"
        '2018-07-16,"Times, ""Evening""",3,1e-06,1500000.0,true\n'
        "2018-07-17,Plain,0,0.3333333333333333,0.5,false\n"
    )
    by_pandas = io.StringIO()  # flags spelled true/false first, as warehouse.csv_ready does
    flags_spelled = {**COLUMNS, "complete": np.array(["true", "false"], dtype=object)}
    pd.DataFrame(flags_spelled).to_csv(by_pandas, index=False, lineterminator="\n")
    assert written.getvalue() == by_pandas.getvalue()


def test_no_rows_is_the_header_alone():
    written = io.StringIO()
    write_columns_csv({"bucket_start": np.array([], dtype=object), "share": np.array([], dtype=object)}, written)
    assert written.getvalue() == "bucket_start,share\n"
