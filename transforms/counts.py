"""CountRun: the run's counts for its manifest (schemas/counts.py), computed from the data
itself, not from metrics, so they are exact on every runner and there for the publish step
inside the pipeline."""
import apache_beam as beam

from schemas.counts import RunCounts, tally_of


class RunCountsFn(beam.CombineFn):
    """Tallies -> one RunCounts (per window in streaming)."""

    def create_accumulator(self):
        return RunCounts()

    def add_input(self, counts, tally):
        return counts.add(tally)

    def merge_accumulators(self, accumulators):
        merged = RunCounts()
        for counts in accumulators:
            merged.merge(counts)
        return merged

    def extract_output(self, counts):
        return counts


class CountRun(beam.PTransform):
    """The run's output records (articles, rejects, skips, feed states) -> one RunCounts."""

    def expand(self, records):
        return (records
                | "Tally" >> beam.Map(tally_of)
                | "Add" >> beam.CombineGlobally(RunCountsFn()).without_defaults())
