"""The scoring engine: plain data in, plain data out; no Django below this package."""

import logging

# cvxpy (pulled in by optbinning) warns at import about an ortools solver we never use; a filter on
# its logger survives cvxpy resetting the level when it is imported.
logging.getLogger("__cvxpy__").addFilter(lambda record: record.levelno >= logging.ERROR)
