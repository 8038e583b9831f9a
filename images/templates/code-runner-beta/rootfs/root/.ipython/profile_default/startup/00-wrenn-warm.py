# Wrenn: every kernel imports the data stack while it starts, so the kernel frozen in the
# code-runner-beta template has it in memory and a user's first `import pandas` costs nothing.
# Private names, deleted at once: the user's namespace starts empty.
import matplotlib.pyplot as _wrenn_pyplot
import numpy as _wrenn_numpy
import pandas as _wrenn_pandas

del _wrenn_numpy, _wrenn_pandas, _wrenn_pyplot
