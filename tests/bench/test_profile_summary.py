"""bench/profile_summary.py reads py-spy's raw (collapsed) stacks into stage shares."""
from bench.profile_summary import read_raw, summarise

RAW = """\
process 10:"rasa run";handle_message (site-packages/rasa/core/agent.py:1);predict (site-packages/rasa/core/policies/ted_policy.py:9);call (site-packages/tensorflow/python/x.py:3) 6
process 10:"rasa run";handle_message (site-packages/rasa/core/agent.py:1);save (site-packages/rasa/core/tracker_store.py:5);execute (site-packages/sqlalchemy/engine/base.py:7) 3
process 10:"rasa run";info (/usr/lib/python3.10/logging/__init__.py:1477) 1
garbage line without a count
"""


def test_stage_shares_and_self_time(tmp_path):
    f = tmp_path / "rest-r1-c10-rasa0.txt"
    f.write_text(RAW)
    assert sum(n for _, n in read_raw(f)) == 10
    text = summarise(f)
    assert "10 samples on the CPU" in text
    assert "| dialogue policies (TED, rules, memoization) | 60.0 % |" in text
    assert "| TensorFlow / Keras inside NLU or policies | 60.0 % |" in text
    assert "| tracker store (SQL, events to/from JSON) | 30.0 % |" in text
    assert "| logging | 10.0 % |" in text
    assert "| `call (tensorflow/python/x.py)` | 60.0 % |" in text
    assert "NLU pipeline" not in text  # no sample under it


def test_empty_recording(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("")
    assert "no samples" in summarise(f)
