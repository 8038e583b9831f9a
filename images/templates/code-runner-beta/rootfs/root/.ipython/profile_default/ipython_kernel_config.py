# Wrenn: the kernel of a sandbox keeps no input history on disk. IPython writes every executed cell
# to its SQLite history at once (a commit per cell): a fifth of a run_code under TCG, for a
# %history nobody reads in a throwaway capsule. Out, _ and execution counts work as before.
c.HistoryManager.enabled = False
