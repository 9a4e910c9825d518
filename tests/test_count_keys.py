"""CountKeys counts like FlatMap + Count.PerElement, in every window."""
import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window

from tests.conftest import beam_pipeline
from transforms.grouping import CountKeys


def test_counts_every_occurrence_of_every_key():
    with beam_pipeline() as p:
        counts = (p | beam.Create(["abca", "bc", ""]) | CountKeys(list))
        assert_that(counts, equal_to([("a", 2), ("b", 2), ("c", 2)]))


def test_counts_stay_in_their_windows():
    with beam_pipeline() as p:
        counts = (p
                  | beam.Create([("ab", 1), ("a", 2), ("a", 70)])
                  | beam.Map(lambda e: window.TimestampedValue(e[0], e[1]))
                  | beam.WindowInto(window.FixedWindows(60))
                  | CountKeys(list)
                  | beam.Map(lambda kv, w=beam.DoFn.WindowParam: (kv, w.start.micros // 10**6)))
        assert_that(counts, equal_to([(("a", 2), 0), (("b", 1), 0), (("a", 1), 60)]))
