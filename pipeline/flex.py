"""Entry point for Dataflow Flex Templates: submit the job and return, without waiting.

The launcher runs this file (FLEX_TEMPLATE_PYTHON_PY_FILE); a launcher that waited for a
streaming job would never finish.
"""
import logging

from pipeline.main import run

if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    run()
