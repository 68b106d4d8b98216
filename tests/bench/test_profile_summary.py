"""bench/profile_summary.py reads py-spy's raw (collapsed) stacks into stage shares."""
from bench.profile_summary import read_raw, summarise

RAW = """\
process 10:"rasa run";handle_message (site-packages/rasa/core/agent.py:1);predict (site-packages/rasa/core/policies/ted_policy.py:9);call (site-packages/tensorflow/python/x.py:3) 6
process 10:"rasa run";handle_message (site-packages/rasa/core/agent.py:1);save (site-packages/rasa/core/tracker_store.py:5);execute (site-packages/sqlalchemy/engine/base.py:7) 3
process 10:"rasa run";info (/usr/lib/python3.10/logging/__init__.py:1477) 1
process 10:"rasa run";_bootstrap (threading.py:973);_worker (/usr/lib/python3.10/concurrent/futures/thread.py:81) 7
garbage line without a count
"""


def test_stage_shares_and_self_time(tmp_path):
    f = tmp_path / "rest-r1-c10-rasa0.txt"
    f.write_text(RAW)
    assert sum(n for _, n in read_raw(f)) == 17
    text = summarise(f, turns=2, rate=10)
    assert "10 samples working (1.0 CPU-s, 500.0 ms per turn), 7 waiting" in text
    policies = "| dialogue policies (TED on TensorFlow, rules, memoization) | 60.0 % | 60.0 % |"
    assert policies + " 300.0 |" in text
    # TensorFlow under the policies is the policies' own time; SQL under the tracker store too
    assert "| TensorFlow outside the policies | 0.0 % | 60.0 % | 0.0 |" in text
    assert "| tracker store (SQL, events to and from JSON) | 30.0 % | 30.0 % | 150.0 |" in text
    assert "| SQLAlchemy | 0.0 % | 30.0 % | 0.0 |" in text
    assert "| rest of Rasa's turn (processor, graph runner, events) | 0.0 % | 90.0 % | 0.0 |" in text
    assert "| logging | 10.0 % | 10.0 % | 50.0 |" in text
    assert "| `call (tensorflow/python/x.py)` | 60.0 % |" in text
    assert "NLU pipeline" not in text  # no sample under it
    owned = [float(line.split("|")[2].strip(" %")) for line in text.splitlines()
             if line.startswith("| ") and line.count("|") == 5 and "%" in line]
    assert abs(sum(owned) - 100.0) < 0.2


def test_empty_recording(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("")
    assert "no samples" in summarise(f)
