import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tests' own helpers (verify.py, corpus.py)
sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks.instances: the data readers
