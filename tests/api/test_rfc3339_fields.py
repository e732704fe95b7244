from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from housing_app.api.fields import format_rfc3339, parse_rfc3339


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 3, 19, 10, 5, 7, 123456, tzinfo=UTC), "2024-03-19T10:05:07Z"),
        (datetime(2024, 3, 19, 1, 0, tzinfo=timezone(timedelta(hours=2))), "2024-03-18T23:00:00Z"),
        (datetime(452, 9, 26, 7, 53, 58, tzinfo=UTC), "0452-09-26T07:53:58Z"),
        (date(2024, 3, 19), "2024-03-19T00:00:00Z"),
        (date(99, 1, 2), "0099-01-02T00:00:00Z"),
    ],
)
def test_format_is_utc_with_z_four_digit_years_and_no_fractions(value, expected):
    assert format_rfc3339(value) == expected


def test_formatted_values_parse_back_to_the_same_instant():
    value = datetime(452, 9, 26, 7, 53, 58, tzinfo=UTC)
    assert parse_rfc3339(format_rfc3339(value)) == value
